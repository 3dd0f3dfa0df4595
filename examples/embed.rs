//! Embedding the ledger in 30 lines: a FileLog, a few commands, the budget of a provider.
use pvb::{Ledger, Options, Outcome};
use pvb_core::*;
use time::macros::date;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let key = [7u8; 32]; // In production: pvb::keyfile::load_or_create, outside the log.
    let mut ledger = Ledger::open(
        pvb_store::FileLog::open(dir.path())?,
        Options::new(Policy::PersonFollowing, key),
    )?;
    let (region, provider) = (RegionId::new(5531)?, ProviderId::parse("12345678")?);
    let pseudonymiser = ledger.pseudonymiser().clone();
    let client = pseudonymiser.client_id(&Bsn::parse("111222333")?); // The BSN is never stored.
    let five_vv = Profile::parse("5VV")?;
    for command in [
        Command::SetTariff {
            year: 2026,
            profile: five_vv,
            form: DeliveryForm::Verblijf,
            day_tariff: Money::from_cents(23_000),
        },
        Command::SetRegionBudget {
            region,
            year: 2026,
            amount: Money::from_cents(2_500_000_000),
        },
        Command::ContractProvider {
            provider,
            region,
            year: 2026,
            places: 40,
            tariff_bp: 10_000,
        },
        Command::GrantIndication {
            client: client.clone(),
            indication: IndicationId::parse("B-1")?,
            profile: five_vv,
            region,
            from: date!(2026 - 01 - 01),
            until: None,
        },
        Command::ChooseProvider {
            client: client.clone(),
            provider,
            form: DeliveryForm::Verblijf,
            on: date!(2026 - 01 - 01),
            urgency: Urgency::Active,
        },
        Command::StartCare {
            client: client.clone(),
            provider,
            on: date!(2026 - 02 - 01),
        },
        Command::DeliverCare {
            client: client.clone(),
            provider,
            from: date!(2026 - 02 - 01),
            until: date!(2026 - 03 - 01),
            reference: DeclarationRef::parse("D-1")?,
            amount: None,
        },
    ] {
        match ledger.execute(command)? {
            Outcome::Rejected(rejection) => println!("refused: {rejection}"),
            outcome => println!("{outcome:?}"),
        }
    }
    let row = ledger
        .projections()
        .budgets()
        .row(provider, region, 2026)
        .ok_or("no budget row")?;
    println!(
        "provider {provider}: allocated {}, reserved {}, consumed {}",
        row.allocated, row.reserved, row.consumed
    );
    Ok(())
}
