//! The state one message is mapped against: the ledger's state before the message, plus the
//! effect of the commands the message produced so far (a herindicatie's withdrawal before its
//! grant, an end of care before a new wait, a second client element of the same client).
//!
//! It is not the ledger: only the client-level facts the mapping asks about are tracked
//! (indications, choices, care intervals), copied on write for the clients of this message, so
//! mapping a message costs the same whatever the size of the ledger. The effects mirror
//! `pvb_core::State::apply` for the events `decide` makes of these commands; if the ledger
//! refuses a command, the whole message is refused and this copy is thrown away.

use pvb_core::{
    CareInterval, ChoiceState, ClientId, ClientState, Command, IndicationState, RegionId, State,
    Year,
};

/// The ledger's state seen through the commands of the message mapped so far.
pub(crate) struct Scratch<'s> {
    state: &'s State,
    clients: Vec<ClientState>,
}

impl<'s> Scratch<'s> {
    pub(crate) fn new(state: &'s State) -> Scratch<'s> {
        Scratch {
            state,
            clients: Vec::new(),
        }
    }

    /// The client as the ledger would know it after the commands so far.
    pub(crate) fn client(&self, id: &ClientId) -> Option<&ClientState> {
        self.clients
            .iter()
            .find(|c| &c.id == id)
            .or_else(|| self.state.client(id))
    }

    /// True when the region has a budget (contracteerruimte) for the year.
    pub(crate) fn has_budget(&self, region: RegionId, year: Year) -> bool {
        self.state.has_budget(region, year)
    }

    fn client_mut(&mut self, id: &ClientId) -> &mut ClientState {
        let index = match self.clients.iter().position(|c| &c.id == id) {
            Some(index) => index,
            None => {
                let copy = self
                    .state
                    .client(id)
                    .cloned()
                    .unwrap_or_else(|| ClientState {
                        id: id.clone(),
                        indications: Vec::new(),
                        choices: Vec::new(),
                        care: Vec::new(),
                        paid: Vec::new(),
                    });
                self.clients.push(copy);
                self.clients.len() - 1
            }
        };
        &mut self.clients[index]
    }

    /// Records the effect of `command` on its client, as the ledger's events would.
    pub(crate) fn apply(&mut self, command: &Command) {
        match command {
            Command::GrantIndication {
                client,
                indication,
                profile,
                region,
                from,
                until,
            } => self.client_mut(client).indications.push(IndicationState {
                id: indication.clone(),
                profile: *profile,
                region: *region,
                from: *from,
                until: *until,
                withdrawn: None,
            }),
            Command::WithdrawIndication {
                client,
                indication,
                on,
                ..
            } => {
                let c = self.client_mut(client);
                if let Some(i) = c.indications.iter_mut().find(|i| &i.id == indication) {
                    i.withdrawn = Some(*on);
                }
                for choice in &mut c.choices {
                    choice.listed = false;
                }
                if let Some(care) = c.care.last_mut().filter(|care| care.until.is_none()) {
                    care.until = Some(*on);
                    care.reservations.clear();
                }
            }
            Command::ChooseProvider {
                client,
                provider,
                form,
                on,
                urgency,
            } => {
                let c = self.client_mut(client);
                match c.choices.iter_mut().find(|ch| ch.provider == *provider) {
                    Some(choice) => {
                        if !choice.listed {
                            choice.on = *on;
                        }
                        choice.form = *form;
                        choice.urgency = *urgency;
                        choice.listed = true;
                    }
                    None => c.choices.push(ChoiceState {
                        provider: *provider,
                        form: *form,
                        on: *on,
                        urgency: *urgency,
                        listed: true,
                    }),
                }
            }
            Command::WithdrawChoice {
                client, provider, ..
            } => self
                .client_mut(client)
                .choices
                .retain(|ch| ch.provider != *provider),
            Command::StartCare {
                client,
                provider,
                on,
            } => {
                let c = self.client_mut(client);
                let indication = c.indication_on(*on).map(|i| (i.region, i.profile));
                let form = c.choice(*provider).map(|ch| ch.form);
                if let (Some((region, profile)), Some(form)) = (indication, form) {
                    c.care.push(CareInterval {
                        provider: *provider,
                        from: *on,
                        until: None,
                        region,
                        profile,
                        form,
                        reservations: Vec::new(),
                    });
                }
                for choice in &mut c.choices {
                    choice.listed = false;
                }
            }
            Command::EndCare { client, on, .. } => {
                let c = self.client_mut(client);
                if let Some(care) = c.care.last_mut().filter(|care| care.until.is_none()) {
                    care.until = Some(*on);
                    care.reservations.clear();
                }
            }
            // The importer never writes these; they change no client fact it asks about.
            Command::SetRegionBudget { .. }
            | Command::ContractProvider { .. }
            | Command::SetTariff { .. }
            | Command::DeliverCare { .. }
            | Command::ReverseDelivery { .. }
            | Command::TransferBudget { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests;
