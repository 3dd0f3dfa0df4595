//! Builders for iWlz 2.2 messages, element by element in the order of the official XSDs, with
//! made-up personal data (names, addresses, diagnoses) in every client so that the tests can
//! prove none of it comes out.
//!
//! They build only what the tests need; every message they build is checked by `xmllint`
//! against the official XSD (the sample files in `tests/messages/` and the property test's
//! messages alike).

use std::fmt::Write;

/// The basisschema namespace (children of `CDT_*` types live in it).
const BASE_NS: &str = "http://www.istandaarden.nl/iwlz/2_2/basisschema/schema";

/// A made-up person: BSN (passing the 11-proef) and names that must never appear in output.
#[derive(Clone, Copy, Debug)]
pub struct Person {
    pub bsn: &'static str,
    pub surname: &'static str,
    pub given: &'static str,
    pub street: &'static str,
}

/// The people of the tests. Every BSN passes the 11-proef; the names are invented.
pub const PEOPLE: [Person; 8] = [
    Person {
        bsn: "628194821",
        surname: "Zuidbroekhuis",
        given: "Wilhelmina Petronella",
        street: "Verzonnenstraat",
    },
    Person {
        bsn: "252760189",
        surname: "Overdiepstra",
        given: "Hendrikus Johannes",
        street: "Bedachtelaan",
    },
    Person {
        bsn: "507529170",
        surname: "Kwakkelsteijn",
        given: "Geertruida",
        street: "Nergensweg",
    },
    Person {
        bsn: "121547280",
        surname: "Bolwerkhuizen",
        given: "Antonius Maria",
        street: "Fictieplein",
    },
    Person {
        bsn: "385280841",
        surname: "Vlindermolen",
        given: "Cornelia Adriana",
        street: "Droomkade",
    },
    Person {
        bsn: "353799075",
        surname: "Stroomdalen",
        given: "Bartholomeus",
        street: "Gissingsgracht",
    },
    Person {
        bsn: "805888718",
        surname: "Heidebloemkamp",
        given: "Johanna Frederika",
        street: "Schijnpad",
    },
    Person {
        bsn: "167868433",
        surname: "Wolkenveldt",
        given: "Petrus Gerardus",
        street: "Luchtsingel",
    },
];

/// A BSN of nine digits that fails the 11-proef.
pub const BAD_BSN: &str = "628194822";

/// The person with `bsn` (a made-up one for a BSN outside the table).
pub fn person(bsn: &str) -> Person {
    PEOPLE
        .iter()
        .copied()
        .find(|p| p.bsn == bsn)
        .unwrap_or(Person {
            bsn: "000000000",
            surname: "Onbekendhuis",
            given: "Nomen",
            street: "Geenstraat",
        })
}

/// Header fields every message has.
#[derive(Clone, Debug)]
pub struct Head {
    pub identificatie: String,
    pub dagtekening: String,
    /// IO31: absent; AW33: zorgkantoor; AW35/AW39: iWlz-AGB.
    pub afzender: String,
    /// IO31: zorgkantoor; AW33: iWlz-AGB; AW35/AW39: zorgkantoor.
    pub ontvanger: String,
}

fn header(out: &mut String, code: &str, head: &Head, with_afzender: bool) {
    let _ = write!(
        out,
        "  <Header>\n    <BerichtCode>{code}</BerichtCode>\n    <BerichtVersie>5</BerichtVersie>\n    <BerichtSubversie>2</BerichtSubversie>\n"
    );
    if with_afzender {
        let _ = writeln!(out, "    <Afzender>{}</Afzender>", head.afzender);
    }
    let _ = write!(
        out,
        "    <Ontvanger>{}</Ontvanger>\n    <BerichtIdentificatie>\n      <iwlz:Identificatie>{}</iwlz:Identificatie>\n      <iwlz:Dagtekening>{}</iwlz:Dagtekening>\n    </BerichtIdentificatie>\n    <XsdVersie>\n      <iwlz:BasisschemaXsdVersie>1.0.0</iwlz:BasisschemaXsdVersie>\n      <iwlz:BerichtXsdVersie>1.0.0</iwlz:BerichtXsdVersie>\n    </XsdVersie>\n  </Header>\n",
        head.ontvanger, head.identificatie, head.dagtekening
    );
}

fn open(out: &mut String, kind: &str) {
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Bericht xmlns=\"http://www.istandaarden.nl/iwlz/2_2/{kind}/schema\" xmlns:iwlz=\"{BASE_NS}\">\n"
    );
}

/// The personal block of IO31 and AW33 clients (full name, household, contact), in XSD order
/// up to (not including) `Relaties`/`Partneropname`.
fn person_full(out: &mut String, bsn: &str, p: &Person) {
    let _ = write!(
        out,
        "      <Bsn>{}</Bsn>\n      <GeheimeClient>2</GeheimeClient>\n      <Geboortedatum>\n        <iwlz:Datum>1938-04-12</iwlz:Datum>\n      </Geboortedatum>\n      <Geslacht>2</Geslacht>\n      <BurgerlijkeStaat>5</BurgerlijkeStaat>\n      <Naam>\n        <iwlz:Geslachtsnaam>\n          <iwlz:Achternaam>{}</iwlz:Achternaam>\n        </iwlz:Geslachtsnaam>\n        <iwlz:Voornamen>{}</iwlz:Voornamen>\n        <iwlz:NaamGebruik>1</iwlz:NaamGebruik>\n      </Naam>\n      <Leefeenheid>1</Leefeenheid>\n      <Huisarts>01012345</Huisarts>\n",
        bsn, p.surname, p.given
    );
}

fn contact(out: &mut String, p: &Person) {
    let _ = write!(
        out,
        "      <Contactgegevens>\n        <Contact>\n          <Soort>01</Soort>\n          <Adres>\n            <iwlz:Huis>\n              <iwlz:Huisnummer>12</iwlz:Huisnummer>\n            </iwlz:Huis>\n            <iwlz:Postcode>6211AB</iwlz:Postcode>\n            <iwlz:Straatnaam>{}</iwlz:Straatnaam>\n            <iwlz:Plaatsnaam>Maastricht</iwlz:Plaatsnaam>\n          </Adres>\n        </Contact>\n      </Contactgegevens>\n",
        p.street
    );
}

/// The short personal block of AW35 and AW39 clients.
fn person_short(out: &mut String, bsn: &str, p: &Person) {
    let _ = write!(
        out,
        "      <Bsn>{}</Bsn>\n      <Geboortedatum>\n        <iwlz:Datum>1938-04-12</iwlz:Datum>\n      </Geboortedatum>\n      <Geslacht>2</Geslacht>\n      <Naam>\n        <iwlz:Geslachtsnaam>\n          <iwlz:Achternaam>{}</iwlz:Achternaam>\n        </iwlz:Geslachtsnaam>\n        <iwlz:Voornamen>{}</iwlz:Voornamen>\n      </Naam>\n",
        bsn, p.surname, p.given
    );
}

/// The health data an indication carries (dropped by the importer).
fn health(out: &mut String) {
    out.push_str(
        "        <Stoornissen>\n          <Stoornis>\n            <Grondslag>02</Grondslag>\n            <DiagnoseCodelijst>014</DiagnoseCodelijst>\n            <ZiektebeeldStoornis>F03</ZiektebeeldStoornis>\n            <Commentaar>Verzonnen toelichting bij de diagnose</Commentaar>\n          </Stoornis>\n        </Stoornissen>\n        <Beperkingen>\n          <Beperking>\n            <Categorie>1</Categorie>\n            <BeperkingScores>\n              <BeperkingScore>\n                <Vraag>0101</Vraag>\n                <Score>2</Score>\n              </BeperkingScore>\n            </BeperkingScores>\n          </Beperking>\n        </Beperkingen>\n",
    );
}

fn opt(out: &mut String, indent: &str, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        let _ = writeln!(out, "{indent}<{name}>{v}</{name}>");
    }
}

// ----- IO31 -----

/// One indicated zzp.
#[derive(Clone, Debug)]
pub struct Zzp {
    pub code: String,
    pub from: String,
    pub end: Option<String>,
    pub financiering: String,
}

/// zzp `code` from `from`, open-ended, Wlz-financed.
pub fn zzp(code: &str, from: &str) -> Zzp {
    Zzp {
        code: code.into(),
        from: from.into(),
        end: None,
        financiering: "1".into(),
    }
}

/// One client of an IO31.
#[derive(Clone, Debug)]
pub struct Decision {
    pub bsn: String,
    pub besluit: String,
    pub from: String,
    pub end: Option<String>,
    pub functions: bool,
    /// `None`: no `GeindiceerdeZorgzwaartepakketten` element at all.
    pub zzps: Option<Vec<Zzp>>,
}

/// A decision `besluit` for `bsn` from `from` with the zzp's.
pub fn decision(bsn: &str, besluit: &str, from: &str, zzps: Vec<Zzp>) -> Decision {
    Decision {
        bsn: bsn.into(),
        besluit: besluit.into(),
        from: from.into(),
        end: None,
        functions: false,
        zzps: Some(zzps),
    }
}

/// An IO31 message.
pub fn io31(head: &Head, clients: &[Decision]) -> String {
    let mut out = String::new();
    open(&mut out, "io31");
    header(&mut out, "388", head, false);
    out.push_str("  <Clienten>\n");
    for c in clients {
        let p = person(&c.bsn);
        out.push_str("    <Client>\n");
        person_full(&mut out, &c.bsn, &p);
        contact(&mut out, &p);
        let _ = write!(
            out,
            "      <Indicatie>\n        <Besluitnummer>{}</Besluitnummer>\n        <Soort>1</Soort>\n        <Grondslagen>\n          <iwlz:Grondslag01>02</iwlz:Grondslag01>\n        </Grondslagen>\n        <Afgiftedatum>2025-12-20</Afgiftedatum>\n        <Ingangsdatum>{}</Ingangsdatum>\n",
            c.besluit, c.from
        );
        opt(&mut out, "        ", "Einddatum", &c.end);
        out.push_str("        <Meerzorg>2</Meerzorg>\n");
        health(&mut out);
        if c.functions {
            let _ = write!(
                out,
                "        <GeindiceerdeFuncties>\n          <GeindiceerdeFunctie>\n            <FunctieCode>31</FunctieCode>\n            <Ingangsdatum>{}</Ingangsdatum>\n            <Klasse>K3</Klasse>\n            <Leveringsvoorwaarde>1</Leveringsvoorwaarde>\n            <Financiering>1</Financiering>\n          </GeindiceerdeFunctie>\n        </GeindiceerdeFuncties>\n",
                c.from
            );
        }
        if let Some(zzps) = &c.zzps {
            out.push_str("        <GeindiceerdeZorgzwaartepakketten>\n");
            for z in zzps {
                let _ = write!(
                    out,
                    "          <GeindiceerdZorgzwaartepakket>\n            <ZzpCode>{}</ZzpCode>\n            <Ingangsdatum>{}</Ingangsdatum>\n",
                    z.code, z.from
                );
                opt(&mut out, "            ", "Einddatum", &z.end);
                let _ = write!(
                    out,
                    "            <Klasse>99</Klasse>\n            <VoorkeurClient>4</VoorkeurClient>\n            <InstellingVoorkeur>12345678</InstellingVoorkeur>\n            <Financiering>{}</Financiering>\n          </GeindiceerdZorgzwaartepakket>\n",
                    z.financiering
                );
            }
            out.push_str("        </GeindiceerdeZorgzwaartepakketten>\n");
        }
        out.push_str("      </Indicatie>\n    </Client>\n");
    }
    out.push_str("  </Clienten>\n</Bericht>\n");
    out
}

// ----- AW33 -----

/// One assigned zzp.
#[derive(Clone, Debug)]
pub struct Assignment {
    pub zzp: String,
    pub instelling: Option<String>,
    pub zorgkantoor: String,
    pub soort: String,
    pub percentage: Option<String>,
    pub from: String,
    pub end: Option<String>,
    pub reden: Option<String>,
    pub form: String,
}

/// An assignment of zzp `zzp` to `instelling` from `from`, form `form` (COD578), regular.
pub fn assignment(zzp: &str, instelling: &str, from: &str, form: &str) -> Assignment {
    Assignment {
        zzp: zzp.into(),
        instelling: Some(instelling.into()),
        zorgkantoor: "5531".into(),
        soort: "1".into(),
        percentage: None,
        from: from.into(),
        end: None,
        reden: None,
        form: form.into(),
    }
}

/// One client of an AW33.
#[derive(Clone, Debug)]
pub struct Assigned {
    pub bsn: String,
    pub besluit: String,
    pub indication_from: String,
    pub functions: bool,
    pub entries: Vec<Assignment>,
}

/// The assignments of decision `besluit` (valid from `from`) for `bsn`.
pub fn assigned(bsn: &str, besluit: &str, from: &str, entries: Vec<Assignment>) -> Assigned {
    Assigned {
        bsn: bsn.into(),
        besluit: besluit.into(),
        indication_from: from.into(),
        functions: false,
        entries,
    }
}

/// An AW33 message.
pub fn aw33(head: &Head, clients: &[Assigned]) -> String {
    let mut out = String::new();
    open(&mut out, "aw33");
    header(&mut out, "352", head, true);
    out.push_str("  <Clienten>\n");
    for c in clients {
        let p = person(&c.bsn);
        out.push_str("    <Client>\n");
        person_full(&mut out, &c.bsn, &p);
        out.push_str("      <Partneropname>2</Partneropname>\n");
        contact(&mut out, &p);
        let _ = write!(
            out,
            "      <Indicatie>\n        <Besluitnummer>{}</Besluitnummer>\n        <Soort>1</Soort>\n        <Afgiftedatum>2025-12-20</Afgiftedatum>\n        <Ingangsdatum>{}</Ingangsdatum>\n",
            c.besluit, c.indication_from
        );
        health(&mut out);
        if c.functions {
            let _ = write!(
                out,
                "        <ToegewezenFuncties>\n          <ToegewezenFunctie>\n            <FunctieCode>31</FunctieCode>\n            <Instelling>{}</Instelling>\n            <Zorgkantoor>5531</Zorgkantoor>\n            <Soort>1</Soort>\n            <Toewijzingsdatum>2026-01-03</Toewijzingsdatum>\n            <Toewijzingstijd>10:15:00</Toewijzingstijd>\n            <Ingangsdatum>{}</Ingangsdatum>\n            <Klasse>K3</Klasse>\n          </ToegewezenFunctie>\n        </ToegewezenFuncties>\n",
                head.ontvanger, c.indication_from
            );
        }
        if !c.entries.is_empty() {
            out.push_str("        <ToegewezenZorgzwaartepakketten>\n");
            for e in &c.entries {
                let _ = writeln!(
                    out,
                    "          <ToegewezenZorgzwaartepakket>\n            <ZzpCode>{}</ZzpCode>",
                    e.zzp
                );
                opt(&mut out, "            ", "Instelling", &e.instelling);
                let _ = write!(
                    out,
                    "            <Zorgkantoor>{}</Zorgkantoor>\n            <Soort>{}</Soort>\n            <Toewijzingsdatum>2026-01-03</Toewijzingsdatum>\n            <Toewijzingstijd>10:15:00</Toewijzingstijd>\n",
                    e.zorgkantoor, e.soort
                );
                opt(
                    &mut out,
                    "            ",
                    "ToewijzingPercentage",
                    &e.percentage,
                );
                let _ = writeln!(out, "            <Ingangsdatum>{}</Ingangsdatum>", e.from);
                opt(&mut out, "            ", "Einddatum", &e.end);
                opt(&mut out, "            ", "RedenIntrekking", &e.reden);
                let _ = write!(
                    out,
                    "            <Leveringsvorm>{}</Leveringsvorm>\n            <Dossierhouder>{}</Dossierhouder>\n          </ToegewezenZorgzwaartepakket>\n",
                    e.form,
                    e.instelling.clone().unwrap_or_else(|| head.ontvanger.clone())
                );
            }
            out.push_str("        </ToegewezenZorgzwaartepakketten>\n");
        }
        out.push_str("      </Indicatie>\n    </Client>\n");
    }
    out.push_str("  </Clienten>\n</Bericht>\n");
    out
}

// ----- AW35 -----

/// One delivered zzp (a MAZ).
#[derive(Clone, Debug)]
pub struct Start {
    pub besluit: String,
    pub zzp: String,
    pub assigned: String,
    pub begin: String,
    pub instelling: String,
    pub status: String,
    pub form: String,
    pub aanlevering: String,
}

/// A start of zzp `zzp` of decision `besluit` at `instelling` on `begin`, assigned from
/// `assigned`, form `form`, first delivery.
pub fn start(
    besluit: &str,
    zzp: &str,
    instelling: &str,
    assigned: &str,
    begin: &str,
    form: &str,
) -> Start {
    Start {
        besluit: besluit.into(),
        zzp: zzp.into(),
        assigned: assigned.into(),
        begin: begin.into(),
        instelling: instelling.into(),
        status: "4".into(),
        form: form.into(),
        aanlevering: "1".into(),
    }
}

/// One client of an AW35 or AW39.
#[derive(Clone, Debug)]
pub struct Reported<T> {
    pub bsn: String,
    pub functions: bool,
    pub request: bool,
    pub entries: Vec<T>,
}

/// The entries for `bsn`.
pub fn reported<T>(bsn: &str, entries: Vec<T>) -> Reported<T> {
    Reported {
        bsn: bsn.into(),
        functions: false,
        request: false,
        entries,
    }
}

/// An AW35 message.
pub fn aw35(head: &Head, clients: &[Reported<Start>]) -> String {
    let mut out = String::new();
    open(&mut out, "aw35");
    header(&mut out, "354", head, true);
    out.push_str("  <Clienten>\n");
    for c in clients {
        let p = person(&c.bsn);
        out.push_str("    <Client>\n");
        person_short(&mut out, &c.bsn, &p);
        if c.functions {
            let first = c.entries.first();
            let _ = write!(
                out,
                "      <GeleverdeFuncties>\n        <GeleverdeFunctie>\n          <Besluitnummer>{}</Besluitnummer>\n          <FunctieCode>31</FunctieCode>\n          <ToewijzingIngangsdatum>2026-01-05</ToewijzingIngangsdatum>\n          <Begindatum>2026-01-05</Begindatum>\n          <Instelling>{}</Instelling>\n          <Klasse>K3</Klasse>\n          <StatusAanlevering>1</StatusAanlevering>\n        </GeleverdeFunctie>\n      </GeleverdeFuncties>\n",
                first.map_or("1", |s| s.besluit.as_str()),
                head.afzender
            );
        }
        if !c.entries.is_empty() {
            out.push_str("      <GeleverdeZorgzwaartepakketten>\n");
            for e in &c.entries {
                let _ = write!(
                    out,
                    "        <GeleverdZorgzwaartepakket>\n          <Besluitnummer>{}</Besluitnummer>\n          <ZzpCode>{}</ZzpCode>\n          <ToewijzingIngangsdatum>{}</ToewijzingIngangsdatum>\n          <Begindatum>{}</Begindatum>\n          <Instelling>{}</Instelling>\n          <Leveringsstatus>{}</Leveringsstatus>\n          <Leveringsvorm>{}</Leveringsvorm>\n          <Behandeling>2</Behandeling>\n          <StatusAanlevering>{}</StatusAanlevering>\n        </GeleverdZorgzwaartepakket>\n",
                    e.besluit, e.zzp, e.assigned, e.begin, e.instelling, e.status, e.form, e.aanlevering
                );
            }
            out.push_str("      </GeleverdeZorgzwaartepakketten>\n");
        }
        out.push_str("    </Client>\n");
    }
    out.push_str("  </Clienten>\n</Bericht>\n");
    out
}

// ----- AW39 -----

/// One mutated zzp.
#[derive(Clone, Debug)]
pub struct Mutation {
    pub besluit: String,
    pub zzp: String,
    pub assigned: String,
    pub begin: Option<String>,
    pub instelling: String,
    pub code: String,
    pub on: String,
    pub status: String,
    pub form: String,
    pub destination: Option<String>,
    pub aanlevering: String,
}

/// A mutation `code` with status `status` on `on` of zzp `zzp` of decision `besluit` at
/// `instelling` (assigned from `assigned`), form `form`.
#[allow(clippy::too_many_arguments)]
pub fn mutation(
    besluit: &str,
    zzp: &str,
    instelling: &str,
    assigned: &str,
    code: &str,
    status: &str,
    on: &str,
    form: &str,
) -> Mutation {
    Mutation {
        besluit: besluit.into(),
        zzp: zzp.into(),
        assigned: assigned.into(),
        begin: None,
        instelling: instelling.into(),
        code: code.into(),
        on: on.into(),
        status: status.into(),
        form: form.into(),
        destination: None,
        aanlevering: "1".into(),
    }
}

/// An AW39 message.
pub fn aw39(head: &Head, clients: &[Reported<Mutation>]) -> String {
    let mut out = String::new();
    open(&mut out, "aw39");
    header(&mut out, "358", head, true);
    out.push_str("  <Clienten>\n");
    for c in clients {
        let p = person(&c.bsn);
        out.push_str("    <Client>\n");
        person_short(&mut out, &c.bsn, &p);
        let first = c.entries.first();
        if c.functions {
            let _ = write!(
                out,
                "      <MutatieFuncties>\n        <MutatieFunctie>\n          <Besluitnummer>{}</Besluitnummer>\n          <FunctieCode>31</FunctieCode>\n          <ToewijzingIngangsdatum>2026-01-05</ToewijzingIngangsdatum>\n          <Instelling>{}</Instelling>\n          <Mutatiecode>19</Mutatiecode>\n          <Mutatiedatum>2026-03-01</Mutatiedatum>\n          <StatusAanlevering>1</StatusAanlevering>\n        </MutatieFunctie>\n      </MutatieFuncties>\n",
                first.map_or("1", |m| m.besluit.as_str()),
                head.afzender
            );
        }
        if !c.entries.is_empty() {
            out.push_str("      <MutatieZorgzwaartepakketten>\n");
            for e in &c.entries {
                let _ = write!(
                    out,
                    "        <MutatieZorgzwaartepakket>\n          <Besluitnummer>{}</Besluitnummer>\n          <ZzpCode>{}</ZzpCode>\n          <ToewijzingIngangsdatum>{}</ToewijzingIngangsdatum>\n",
                    e.besluit, e.zzp, e.assigned
                );
                opt(&mut out, "          ", "Begindatum", &e.begin);
                let _ = write!(
                    out,
                    "          <Instelling>{}</Instelling>\n          <Mutatiecode>{}</Mutatiecode>\n          <Mutatiedatum>{}</Mutatiedatum>\n          <Leveringsstatus>{}</Leveringsstatus>\n          <LeveringsstatusClassificatie>19</LeveringsstatusClassificatie>\n          <Leveringsvorm>{}</Leveringsvorm>\n",
                    e.instelling, e.code, e.on, e.status, e.form
                );
                opt(
                    &mut out,
                    "          ",
                    "InstellingBestemming",
                    &e.destination,
                );
                let _ = writeln!(out, "          <StatusAanlevering>{}</StatusAanlevering>\n        </MutatieZorgzwaartepakket>", e.aanlevering);
            }
            out.push_str("      </MutatieZorgzwaartepakketten>\n");
        }
        if c.request {
            let _ = write!(
                out,
                "      <Aanvragen>\n        <Aanvraag>\n          <Besluitnummer>{}</Besluitnummer>\n          <Afgiftedatum>2025-12-20</Afgiftedatum>\n          <Instelling>{}</Instelling>\n          <ZzpCode>{}</ZzpCode>\n          <Leveringsvorm>5</Leveringsvorm>\n          <AanvraagInstellingen>\n            <AanvraagInstelling>\n              <Instelling>{}</Instelling>\n              <Soort>1</Soort>\n              <ToewijzingIngangsdatum>2026-04-01</ToewijzingIngangsdatum>\n            </AanvraagInstelling>\n          </AanvraagInstellingen>\n        </Aanvraag>\n      </Aanvragen>\n",
                first.map_or("1", |m| m.besluit.as_str()),
                head.afzender,
                first.map_or("754", |m| m.zzp.as_str()),
                head.afzender
            );
        }
        out.push_str("    </Client>\n");
    }
    out.push_str("  </Clienten>\n</Bericht>\n");
    out
}
