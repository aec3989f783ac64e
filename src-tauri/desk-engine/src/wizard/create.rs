//! Creating the account the wizard describes, in Kazoo's order — account, first admin, plan,
//! trunks — with a record of which parts exist, so a creation cut short is finished or undone,
//! never left half-made and forgotten. The record holds no password.

use super::{Checked, Made, NewAccountForm};
use crate::{Desk, EngineError};
use chrono::{DateTime, Utc};
use crossbar::{ApiError, Payment};
use desk_core::money::format_money;
use desk_core::{AccountId, AccountName, FieldError, LimitsDoc};
use desk_store::CachedNode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One creation at a time: a second click waits, then finds the first one's record.
#[derive(Default)]
pub(crate) struct Creating {
    one_at_a_time: tokio::sync::Mutex<()>,
    /// The last plan listing read, per parent: step 4 checks the form at every keystroke.
    pub(super) offers: parking_lot::Mutex<Option<super::Offers>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Part {
    Account,
    User,
    Plan,
    Trunks,
}

const PARTS: [Part; 4] = [Part::Account, Part::User, Part::Plan, Part::Trunks];

impl Part {
    /// The name the window knows the step by.
    fn key(self) -> &'static str {
        match self {
            Part::Account => "account",
            Part::User => "user",
            Part::Plan => "plan",
            Part::Trunks => "trunks",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Part::Account => "Create the account",
            Part::User => "Add the first admin",
            Part::Plan => "Assign the service plan",
            Part::Trunks => "Set the trunks",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    parent: String,
    name: String,
    account_id: Option<String>,
    done: Vec<Part>,
    /// Parts the form asks for.
    wanted: Vec<Part>,
    failed: Option<(Part, String)>,
    undone: bool,
    started_at: DateTime<Utc>,
    /// The form without its password (never serialized), to finish after a restart.
    #[serde(default)]
    form: NewAccountForm,
    /// What the user agreed to pay today on the review: finishing never charges more.
    #[serde(default)]
    accepted_today: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepView {
    pub key: &'static str,
    pub label: &'static str,
    /// `done`, `failed`, `waiting` or `skipped` (not asked for).
    pub state: &'static str,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreationView {
    pub id: String,
    pub name: String,
    pub account_id: Option<String>,
    pub steps: Vec<StepView>,
    pub complete: bool,
    pub undone: bool,
    /// Not complete and not undone: the missing parts can be tried again.
    pub can_finish: bool,
    /// The account exists unfinished: it can be deleted again.
    pub can_undo: bool,
    /// The form as it was (no password), for finishing after a restart.
    pub form: NewAccountForm,
    /// What exists and what the user can do, in one sentence.
    pub message: String,
}

const PREFIX: &str = "creation:";

fn key(id: &str) -> String {
    format!("{PREFIX}{id}")
}

fn view(id: &str, r: &Record) -> CreationView {
    let steps = PARTS
        .iter()
        .map(|&p| {
            let failed = r.failed.as_ref().filter(|(f, _)| *f == p);
            StepView {
                key: p.key(),
                label: p.label(),
                state: if r.done.contains(&p) {
                    "done"
                } else if failed.is_some() {
                    "failed"
                } else if r.wanted.contains(&p) {
                    "waiting"
                } else {
                    "skipped"
                },
                detail: failed.map(|(_, d)| d.clone()),
            }
        })
        .collect();
    let complete = r.wanted.iter().all(|p| r.done.contains(p));
    let message = if r.undone {
        format!("“{}” was deleted again: nothing of it is left.", r.name)
    } else if complete {
        format!("“{}” is ready.", r.name)
    } else if r.account_id.is_some() {
        let made: Vec<&str> = r.done.iter().map(|p| p.label()).collect();
        format!(
            "“{}” exists but is not finished (done: {}). Finish it, or undo to delete the account again.",
            r.name,
            made.join(", ").to_lowercase()
        )
    } else {
        format!(
            "“{}” is not confirmed created. Finish looks for it on the platform before creating it, so it is never made twice.",
            r.name
        )
    };
    CreationView {
        id: id.to_owned(),
        name: r.name.clone(),
        account_id: r.account_id.clone(),
        steps,
        complete,
        undone: r.undone,
        can_finish: !complete && !r.undone,
        can_undo: !complete && !r.undone && r.account_id.is_some(),
        form: r.form.clone(),
        message,
    }
}

/// The form as the record keeps it.
fn without_password(form: &NewAccountForm) -> NewAccountForm {
    let mut kept = form.clone();
    kept.admin.password.clear();
    kept
}

fn valid_id(id: &str) -> Result<(), EngineError> {
    if crate::keys::is_random_id(id) {
        Ok(())
    } else {
        Err(FieldError::new("creation", "is not a creation started by this app").into())
    }
}

/// Accounts read when looking for one whose creation's answer was lost.
const LOOKUP_PAGE: usize = 500;
const LOOKUP_PAGES: usize = 40;

impl Desk {
    /// A fresh ID for one "Create" of the wizard.
    pub fn new_creation_id(&self) -> String {
        crate::keys::random_id()
    }

    fn record(&self, id: &str) -> Result<Option<Record>, EngineError> {
        Ok(self.cache.pref::<Option<Record>>(&key(id))?.flatten())
    }

    async fn put_record(&self, id: &str, r: &Record) -> Result<(), EngineError> {
        self.cache.set_pref(&key(id), r)?;
        self.cache.flush().await?;
        Ok(())
    }

    /// Create the account `form` describes, `accepted_today` being the charge the user agreed
    /// to on the review. `progress` hears each step as it ends.
    pub async fn create_account(
        &self,
        creation: &str,
        form: &NewAccountForm,
        accepted_today: &str,
        progress: &(dyn Fn(&CreationView) + Send + Sync),
    ) -> Result<CreationView, EngineError> {
        valid_id(creation)?;
        let _one = self.creating.one_at_a_time.lock().await;
        if let Some(r) = self.record(creation)? {
            return self.resume_creation(creation, r, form, progress).await;
        }
        let checked = self.check_form(form, 5, Made::default()).await?;
        let today = checked
            .charges
            .as_ref()
            .map(|c| c.today)
            .unwrap_or_default();
        if format_money(today) != accepted_today.trim() {
            return Err(FieldError::new(
                "consent",
                format!(
                    "the charges changed since you reviewed them: {} today now; review them again",
                    format_money(today)
                ),
            )
            .into());
        }
        let mut wanted = vec![Part::Account, Part::User];
        if checked.plan.is_some() {
            wanted.push(Part::Plan);
        }
        if checked.trunks != Default::default() {
            wanted.push(Part::Trunks);
        }
        let r = Record {
            parent: checked.parent.to_string(),
            name: checked.name.to_string(),
            account_id: None,
            done: Vec::new(),
            wanted,
            failed: None,
            undone: false,
            started_at: self.now(),
            form: without_password(form),
            accepted_today: today,
        };
        self.put_record(creation, &r).await?;
        self.steps(creation, r, &checked, progress, false).await
    }

    /// Go on with a creation cut short: the parts still missing, as the record describes them.
    /// Only the password comes from `form` (needed only if the admin was not added yet).
    pub async fn finish_creation(
        &self,
        creation: &str,
        form: &NewAccountForm,
        progress: &(dyn Fn(&CreationView) + Send + Sync),
    ) -> Result<CreationView, EngineError> {
        valid_id(creation)?;
        let _one = self.creating.one_at_a_time.lock().await;
        let r = self.record(creation)?.ok_or(EngineError::NotPending)?;
        self.resume_creation(creation, r, form, progress).await
    }

    async fn resume_creation(
        &self,
        creation: &str,
        r: Record,
        form: &NewAccountForm,
        progress: &(dyn Fn(&CreationView) + Send + Sync),
    ) -> Result<CreationView, EngineError> {
        if r.undone || r.wanted.iter().all(|p| r.done.contains(p)) {
            return Ok(view(creation, &r));
        }
        let mut r = r;
        if r.account_id.is_none() {
            // The account's creation failed, perhaps only its answer: it may exist. It is
            // looked for before anything is sent again, so it is never made twice.
            let parent = AccountId::parse(&r.parent)?;
            if let Some(id) = self.child_named(&parent, &r.name, &r.form.realm).await? {
                self.adopt(&mut r, &parent, &id).await?;
                self.put_record(creation, &r).await?;
            }
        }
        let mut wanted = r.form.clone();
        wanted.admin.password = form.admin.password.clone();
        // Once the account exists its name and realm are its own, not a clash.
        let made = Made {
            account: r.account_id.as_deref(),
            admin: r.done.contains(&Part::User),
        };
        let checked = self.check_form(&wanted, 5, made).await?;
        let today = checked.charges.as_ref().map_or(Decimal::ZERO, |c| c.today);
        if today > r.accepted_today {
            // A new month makes the rest of it dearer than what was agreed to.
            return Err(FieldError::new(
                "consent",
                format!(
                    "finishing would now charge {} today, more than the {} agreed to: undo it and create the account again, or set its plan and trunks on their screens",
                    format_money(today),
                    format_money(r.accepted_today)
                ),
            )
            .into());
        }
        self.steps(creation, r, &checked, progress, true).await
    }

    async fn steps(
        &self,
        creation: &str,
        mut r: Record,
        c: &Checked,
        progress: &(dyn Fn(&CreationView) + Send + Sync),
        resumed: bool,
    ) -> Result<CreationView, EngineError> {
        r.failed = None;
        for part in PARTS {
            if r.done.contains(&part) || !r.wanted.contains(&part) {
                continue;
            }
            match self.make(part, &mut r, c, resumed).await {
                Ok(()) => r.done.push(part),
                // Refused at the first try, before anything exists (a name taken elsewhere on
                // the platform): back to the form, with the field named. On a retry the name may
                // be taken by this very account, not listed yet: the record stays.
                Err(e @ EngineError::Api(ApiError::Validation { .. }))
                    if part == Part::Account && !resumed =>
                {
                    self.cache
                        .set_pref::<Option<Record>>(&key(creation), &None)?;
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(part = ?part, error = %e, "a step of a new account failed");
                    r.failed = Some((part, e.to_string()));
                }
            }
            self.put_record(creation, &r).await?;
            progress(&view(creation, &r));
            if r.failed.is_some() {
                break;
            }
        }
        Ok(view(creation, &r))
    }

    async fn make(
        &self,
        part: Part,
        r: &mut Record,
        c: &Checked,
        resumed: bool,
    ) -> Result<(), EngineError> {
        match part {
            Part::Account => self.make_account(r, c).await,
            Part::User => {
                let id = self.created(r)?;
                // A lost answer may have added the admin: look before adding a second one.
                let name = c.admin["username"].as_str().unwrap_or_default();
                if resumed
                    && self
                        .observe(self.client.user_named(&id, name).await)?
                        .is_some()
                {
                    return Ok(());
                }
                self.observe(self.client.create_user(&id, c.admin.clone()).await)?;
                Ok(())
            }
            Part::Plan => {
                let id = self.created(r)?;
                let plan = c.plan.as_ref().ok_or(EngineError::NotPending)?;
                self.observe(self.client.assign_plan(&id, &plan.id).await)?;
                Ok(())
            }
            Part::Trunks => self.make_trunks(&self.created(r)?, c).await,
        }
    }

    fn created(&self, r: &Record) -> Result<AccountId, EngineError> {
        Ok(AccountId::parse(
            r.account_id.as_deref().unwrap_or_default(),
        )?)
    }

    async fn make_account(&self, r: &mut Record, c: &Checked) -> Result<(), EngineError> {
        let made = self.observe(self.client.create_account(&c.parent, c.doc.clone()).await)?;
        let id = made.value.id().valid().cloned().ok_or_else(|| {
            EngineError::Api(ApiError::Decode {
                detail: "the new account has no valid id".into(),
                meta: Default::default(),
            })
        })?;
        self.store_account(&id, &made)?;
        self.show_in_tree(r, &c.parent, &id)
    }

    /// An account found on the platform for a creation whose answer was lost: read, shown, done.
    async fn adopt(
        &self,
        r: &mut Record,
        parent: &AccountId,
        id: &AccountId,
    ) -> Result<(), EngineError> {
        let doc = self.observe(self.client.get_account(id).await)?;
        self.store_account(id, &doc)?;
        self.show_in_tree(r, parent, id)?;
        r.done.push(Part::Account);
        Ok(())
    }

    fn show_in_tree(
        &self,
        r: &mut Record,
        parent: &AccountId,
        id: &AccountId,
    ) -> Result<(), EngineError> {
        r.account_id = Some(id.to_string());
        let doc = self.cache.account(id.as_str())?.map(|e| e.value);
        let text = |k: &str| doc.as_ref().and_then(|d| d[k].as_str()).map(str::to_owned);
        self.cache.put_node(&CachedNode {
            id: id.to_string(),
            name: text("name").or_else(|| Some(r.name.clone())),
            realm: text("realm"),
            parent: Some(parent.to_string()),
        })?;
        self.reload_index()
    }

    /// The child of `parent` named `name` (as Kazoo compares names) with `realm`, if there is
    /// one: both are unique on the platform, so this is the account a lost answer created.
    async fn child_named(
        &self,
        parent: &AccountId,
        name: &str,
        realm: &str,
    ) -> Result<Option<AccountId>, EngineError> {
        let wanted = AccountName::uniqueness_key(name);
        let mut start: Option<String> = None;
        for _ in 0..LOOKUP_PAGES {
            let page = self.observe(
                self.client
                    .children_page(parent, start.as_deref(), LOOKUP_PAGE)
                    .await,
            )?;
            if let Some(found) = page.items.iter().find(|a| {
                a.name
                    .as_deref()
                    .is_some_and(|n| AccountName::uniqueness_key(n) == wanted)
                    && a.realm
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(realm.trim()))
            }) {
                return Ok(Some(found.id.clone()));
            }
            match page.next_start_key {
                Some(k) if Some(&k) != start.as_ref() => start = Some(k),
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Trunks are billable: the platform's 402 is accepted only for what the review showed —
    /// monthly rates, nothing due at once beyond the proration.
    async fn make_trunks(&self, id: &AccountId, c: &Checked) -> Result<(), EngineError> {
        let current = self.observe(self.client.get_limits(id).await)?;
        let mut doc =
            LimitsDoc::from_value(current.value.to_value()).map_err(crate::documents::decode)?;
        doc.set_trunks(&c.trunks);
        let body = doc.outgoing();
        match self.client.post_limits(id, body.clone(), false).await {
            Err(ApiError::PaymentRequired {
                payment: Payment::AcceptCharges(charges),
                meta,
            }) => {
                // `summary.today` is the activation charges when Kazoo gives it.
                let extra = charges.today.unwrap_or(charges.activation);
                let reviewed = c.charges.as_ref().map(|c| c.monthly);
                let dearer = match (reviewed, charges.recurring) {
                    (None, _) => true,
                    (Some(m), Some(r)) => r > m,
                    (Some(_), None) => false,
                };
                if dearer {
                    return Err(ApiError::PaymentRequired {
                        payment: Payment::Other(format!(
                            "the platform's monthly price for the trunks ({}) is not the one the review showed; set them on the Trunks screen after reviewing it",
                            charges.recurring.map_or_else(|| "not stated".into(), format_money)
                        )),
                        meta,
                    }
                    .into());
                }
                if extra > Decimal::ZERO {
                    return Err(ApiError::PaymentRequired {
                        payment: Payment::Other(format!(
                            "the platform asks {} at once for the trunks, which the review did not show; set them on the Trunks screen after reviewing that charge",
                            format_money(extra)
                        )),
                        meta,
                    }
                    .into());
                }
                self.observe(self.client.post_limits(id, body, true).await)?;
            }
            other => {
                self.observe(other)?;
            }
        }
        Ok(())
    }

    /// Delete the account of a creation cut short (it has no sub-accounts yet).
    pub async fn undo_creation(&self, creation: &str) -> Result<CreationView, EngineError> {
        valid_id(creation)?;
        let _one = self.creating.one_at_a_time.lock().await;
        let mut r = self.record(creation)?.ok_or(EngineError::NotPending)?;
        if r.wanted.iter().all(|p| r.done.contains(p)) {
            return Err(EngineError::ReadOnly(format!(
                "“{}” is complete: there is nothing to undo.",
                r.name
            )));
        }
        let parent = AccountId::parse(&r.parent)?;
        let found = match &r.account_id {
            Some(id) => Some(AccountId::parse(id)?),
            // Its creation's answer was lost: it may exist all the same.
            None => self.child_named(&parent, &r.name, &r.form.realm).await?,
        };
        if let Some(id) = found {
            match self.observe(self.client.delete_account(&id).await) {
                // Already gone (deleted elsewhere, or a lost answer): nothing is left to undo.
                Ok(()) | Err(ApiError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            self.cache.remove_node(id.as_str())?;
            self.reload_index()?;
        }
        r.undone = true;
        r.failed = None;
        self.put_record(creation, &r).await?;
        Ok(view(creation, &r))
    }

    /// Creations cut short (a failed step, or the app closed midway): not complete, not undone.
    pub fn unfinished_creations(&self) -> Result<Vec<CreationView>, EngineError> {
        Ok(self
            .cache
            .prefs_with_prefix::<Option<Record>>(PREFIX)?
            .into_iter()
            .filter_map(|(id, r)| r.map(|r| view(&id, &r)))
            .filter(|v| !v.complete && !v.undone)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_creation_cut_short_says_what_exists() {
        let r = Record {
            parent: "p".into(),
            name: "Harbor Dental".into(),
            account_id: Some("a".repeat(32)),
            done: vec![Part::Account, Part::User],
            wanted: vec![Part::Account, Part::User, Part::Plan],
            failed: Some((Part::Plan, "The server had a problem (500)".into())),
            undone: false,
            started_at: DateTime::UNIX_EPOCH,
            form: without_password(&NewAccountForm {
                admin: crate::NewAdmin {
                    password: "tide-pool-ledger-42".into(),
                    ..Default::default()
                },
                ..Default::default()
            }),
            accepted_today: Decimal::ZERO,
        };
        let v = view(&"c".repeat(32), &r);
        let states: Vec<&str> = v.steps.iter().map(|s| s.state).collect();
        assert_eq!(states, ["done", "done", "failed", "skipped"]);
        assert!(!v.complete);
        assert!(
            v.message.contains("exists but is not finished"),
            "{}",
            v.message
        );
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            !json.contains("password") && !json.contains("tide-pool"),
            "{json}"
        );
    }
}
