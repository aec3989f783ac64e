//! From what the user typed to pending edits: validation by the core's rules (every error names
//! its field), staging in the outbox (flushed before "saved locally"), and the user's decisions
//! on conflicts, charges and discards.

use crate::desk::Desk;
use crate::views::{self, AccountForm, AccountView, TrunksView};
use crate::EngineError;
use chrono::{DateTime, Utc};
use crossbar::Charges;
use desk_core::{
    merge, AccountDoc, AccountName, CallerIdPrivacy, Capacity, ContactName, CountryCode,
    EmailAddress, FieldChange, FieldError, FormattedPhone, NumbersFormat, PhoneFormatter,
    PhoneNumber, Realm, Timezone, TrunkLimits, ZoneClock,
};
use desk_store::{ChangeRecord, DocKind, EditState, PendingEdit};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Trunk counts as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TrunksForm {
    pub inbound: String,
    pub outbound: String,
    pub twoway: String,
}

/// A live check of one field as the user types.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldCheck {
    pub field: String,
    pub ok: bool,
    pub message: Option<String>,
    /// How the value will look once saved (a normalised realm, a formatted phone number, the
    /// local time in a zone).
    pub display: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NumbersPreview {
    pub label: String,
    pub warning: Option<String>,
    pub preview: Vec<FormattedPhone>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CapacityPreview {
    pub capacity: Capacity,
    pub sentence: String,
}

/// A user's choice for one conflicting field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Mine,
    Theirs,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PendingFieldView {
    pub path: String,
    pub label: String,
    pub base: String,
    pub mine: String,
    /// The server's value, when it conflicts.
    pub theirs: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PendingView {
    pub account_id: String,
    pub account_name: String,
    pub kind: DocKind,
    pub state: &'static str,
    pub fields: Vec<PendingFieldView>,
    pub message: Option<String>,
    pub charges: Option<Charges>,
    pub updated_at: chrono::DateTime<Utc>,
}

/// How a stored value reads in the pending list and conflict view.
pub(crate) fn value_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(not set)".into(),
        Some(Value::String(s)) if s.is_empty() => "(empty)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

pub(crate) type Desired = Vec<(&'static str, Option<Value>)>;

fn text_or_none(s: &str) -> Option<Value> {
    Some(Value::from(s)).filter(|_| !s.is_empty())
}

/// The Kazoo values the form asks for, for the fields the user changed; every invalid field is
/// reported, not just the first.
fn desired_account(
    form: &AccountForm,
    now: &AccountForm,
    home: Option<CountryCode>,
) -> Result<Desired, EngineError> {
    let mut out: Desired = Vec::new();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut take = |r: Result<Desired, FieldError>| match r {
        Ok(v) => out.extend(v),
        Err(e) => errors.push(e),
    };
    if form.name != now.name {
        take(AccountName::parse(&form.name).map(|n| vec![("name", Some(n.as_str().into()))]));
    }
    if form.realm.trim() != now.realm {
        take(realm_change(form, now));
    }
    if form.timezone != now.timezone {
        take(
            Timezone::parse(&form.timezone).map(|t| vec![("timezone", Some(t.as_kazoo().into()))]),
        );
    }
    if form.numbers_format != now.numbers_format
        || form.numbers_format_exceptions != now.numbers_format_exceptions
    {
        take(
            NumbersFormat::parse(&form.numbers_format, &form.numbers_format_exceptions).map(|f| {
                let exceptions = match &f {
                    NumbersFormat::InternationalWithExceptions(c) => Some(Value::Array(
                        c.iter().map(|c| Value::from(c.as_str())).collect(),
                    )),
                    _ => None,
                };
                vec![
                    ("ui_flags.numbers_format", Some(f.mode_name().into())),
                    ("ui_flags.numbers_format_exceptions", exceptions),
                ]
            }),
        );
    }
    if form.privacy != now.privacy {
        take(CallerIdPrivacy::parse(&form.privacy).map(|p| {
            vec![(
                "caller_id_options.outbound_privacy",
                p.as_kazoo().map(Value::from),
            )]
        }));
    }
    if form.tech_name != now.tech_name {
        take(
            ContactName::parse("contact.technical.name", &form.tech_name)
                .map(|n| vec![("contact.technical.name", text_or_none(n.as_str()))]),
        );
    }
    if form.tech_email != now.tech_email {
        take(if form.tech_email.trim().is_empty() {
            Ok(vec![("contact.technical.email", None)])
        } else {
            EmailAddress::parse("contact.technical.email", &form.tech_email)
                .map(|e| vec![("contact.technical.email", Some(e.as_str().into()))])
        });
    }
    if form.tech_number != now.tech_number {
        take(if form.tech_number.trim().is_empty() {
            Ok(vec![("contact.technical.number", None)])
        } else {
            PhoneNumber::parse("contact.technical.number", &form.tech_number, home)
                .map(|n| vec![("contact.technical.number", Some(n.e164().into()))])
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(EngineError::InvalidInput(errors))
    }
}

/// A new realm needs the current one typed again: changing it can disrupt service.
fn realm_change(form: &AccountForm, now: &AccountForm) -> Result<Desired, FieldError> {
    if !form
        .realm_confirmation
        .trim()
        .eq_ignore_ascii_case(now.realm.trim())
    {
        return Err(FieldError::new(
            "realm_confirmation",
            format!(
                "type the current realm, {}, exactly to confirm the change",
                now.realm
            ),
        ));
    }
    Realm::parse(&form.realm).map(|r| vec![("realm", Some(r.as_str().into()))])
}

fn desired_trunks(form: &TrunksForm, now: &TrunkLimits) -> Result<Desired, EngineError> {
    let fields = [
        ("inbound_trunks", &form.inbound, now.inbound),
        ("outbound_trunks", &form.outbound, now.outbound),
        ("twoway_trunks", &form.twoway, now.twoway),
    ];
    let mut out: Desired = Vec::new();
    let mut errors = Vec::new();
    for (field, text, current) in fields {
        match TrunkLimits::parse_count(field, text) {
            Ok(n) if n != current => out.push((field, Some(n.into()))),
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(EngineError::InvalidInput(errors))
    }
}

/// Live capacity for the trunk inputs.
pub fn capacity_preview(form: &TrunksForm) -> Result<CapacityPreview, EngineError> {
    let mut errors = Vec::new();
    let mut count = |field, text: &str| {
        TrunkLimits::parse_count(field, text).unwrap_or_else(|e| {
            errors.push(e);
            0
        })
    };
    let t = TrunkLimits {
        inbound: count("inbound_trunks", &form.inbound),
        outbound: count("outbound_trunks", &form.outbound),
        twoway: count("twoway_trunks", &form.twoway),
    };
    if !errors.is_empty() {
        return Err(EngineError::InvalidInput(errors));
    }
    let capacity = t.capacity();
    Ok(CapacityPreview {
        sentence: capacity.sentence(),
        capacity,
    })
}

/// Every IANA zone matching `query` (by name, spaces for underscores), with its current offset
/// and local time at `now`.
pub fn zone_choices(query: &str, now: DateTime<Utc>) -> Vec<ZoneClock> {
    let q = query.trim().to_lowercase().replace(' ', "_");
    let mut zones: Vec<ZoneClock> = desk_core::timezone::all_zones()
        .filter(|z| z.name().to_lowercase().contains(&q))
        .map(|z| ZoneClock::at(z, now))
        .collect();
    zones.sort_by(|a, b| a.zone.cmp(&b.zone));
    zones
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CountryChoice {
    pub code: String,
    pub name: String,
}

pub fn country_choices() -> Vec<CountryChoice> {
    CountryCode::all()
        .into_iter()
        .map(|c| CountryChoice {
            code: c.as_str().to_owned(),
            name: c.name().to_owned(),
        })
        .collect()
}

fn check(field: &str, r: Result<Option<String>, FieldError>) -> FieldCheck {
    match r {
        Ok(display) => FieldCheck {
            field: field.to_owned(),
            ok: true,
            message: None,
            display,
        },
        Err(e) => FieldCheck {
            field: field.to_owned(),
            ok: false,
            message: Some(e.message),
            display: None,
        },
    }
}

impl Desk {
    /// The server's document and the one the user sees (pending values laid over it).
    pub(crate) fn account_docs(
        &self,
        id: &str,
    ) -> Result<(Map<String, Value>, AccountDoc), EngineError> {
        let entry = self.cache.account(id)?.ok_or(EngineError::NotCached)?;
        let server = entry.value.as_object().cloned().unwrap_or_default();
        let pending = self.cache.pending(id, DocKind::Account)?;
        let merged = views::overlay(&server, pending.as_ref());
        let doc = AccountDoc::from_value(Value::Object(merged)).map_err(crate::desk::decode)?;
        Ok((server, doc))
    }

    fn limits_docs(&self, id: &str) -> Result<(Map<String, Value>, TrunkLimits), EngineError> {
        let entry = self.cache.limits(id)?.ok_or(EngineError::NotCached)?;
        let server = entry.value.as_object().cloned().unwrap_or_default();
        let pending = self.cache.pending(id, DocKind::Limits)?;
        let merged = views::overlay(&server, pending.as_ref());
        let doc =
            desk_core::LimitsDoc::from_value(Value::Object(merged)).map_err(crate::desk::decode)?;
        Ok((server, doc.trunks()))
    }

    /// Check one field as the user types, with the account's own rules (its home country for
    /// phone numbers, its number format for how they will look).
    pub fn check_field(
        &self,
        id: &str,
        field: &str,
        value: &str,
    ) -> Result<FieldCheck, EngineError> {
        let id = self.known(id)?;
        let (_, doc) = self.account_docs(id.as_str())?;
        let home = doc.home_country();
        Ok(match field {
            "name" => check(field, AccountName::parse(value).map(|_| None)),
            "realm" => check(
                field,
                Realm::parse(value).map(|r| Some(r.as_str().to_owned())),
            ),
            "realm_label" => {
                let current = doc.realm().valid().cloned();
                check(
                    field,
                    match current {
                        Some(r) => r
                            .rename_first_label(value)
                            .map(|r| Some(r.as_str().to_owned())),
                        None => Err(FieldError::new(
                            "realm",
                            "the current realm is not valid: type the whole new realm",
                        )),
                    },
                )
            }
            "timezone" => check(
                field,
                Timezone::parse(value).map(|t| match t {
                    Timezone::Inherit => Some("Inherited from the parent account".into()),
                    Timezone::Zone(tz) => {
                        let c = ZoneClock::at(tz, self.now());
                        Some(format!(
                            "{} local time · {} (UTC{})",
                            c.time, c.abbreviation, c.offset
                        ))
                    }
                }),
            ),
            "contact.technical.name" => check(
                field,
                ContactName::parse("contact.technical.name", value).map(|_| None),
            ),
            "contact.technical.email" => check(
                field,
                if value.trim().is_empty() {
                    Ok(None)
                } else {
                    EmailAddress::parse("contact.technical.email", value)
                        .map(|e| Some(e.as_str().to_owned()))
                },
            ),
            "contact.technical.number" => check(
                field,
                if value.trim().is_empty() {
                    Ok(None)
                } else {
                    PhoneNumber::parse("contact.technical.number", value, home)
                        .map(|n| Some(PhoneFormatter::for_account(&doc).format(n.e164()).display))
                },
            ),
            "inbound_trunks" | "outbound_trunks" | "twoway_trunks" => {
                let f: &'static str = match field {
                    "inbound_trunks" => "inbound_trunks",
                    "outbound_trunks" => "outbound_trunks",
                    _ => "twoway_trunks",
                };
                check(
                    field,
                    TrunkLimits::parse_count(f, value).map(|n| Some(n.to_string())),
                )
            }
            other => {
                return Err(FieldError::new(
                    "field",
                    format!("“{other}” is not a field that can be checked"),
                )
                .into())
            }
        })
    }

    /// The sample numbers in a format being chosen, with the account's home country.
    pub fn preview_numbers(
        &self,
        id: &str,
        mode: &str,
        exceptions: &[String],
    ) -> Result<NumbersPreview, EngineError> {
        let id = self.known(id)?;
        let (_, doc) = self.account_docs(id.as_str())?;
        let format = NumbersFormat::parse(mode, exceptions)?;
        let formatter = PhoneFormatter::new(&format, doc.home_country());
        Ok(NumbersPreview {
            label: views::format_label(&format),
            warning: format.warning().map(str::to_owned),
            preview: views::preview(&formatter),
        })
    }

    /// Save Account Info: validate, stage the changed fields in the outbox, flush, and wake the
    /// background push. Returns the view with the edit marked pending ("saved locally").
    pub async fn save_account(
        &self,
        id: &str,
        form: &AccountForm,
    ) -> Result<AccountView, EngineError> {
        let id = self.known(id)?;
        let (server, doc) = self.account_docs(id.as_str())?;
        let now = AccountForm::from_doc(doc.as_map());
        let desired = desired_account(form, &now, doc.home_country())?;
        self.stage(id.as_str(), DocKind::Account, &server, desired)
            .await?;
        self.cached_account(id.as_str())?
            .ok_or(EngineError::NotCached)
    }

    pub async fn save_trunks(
        &self,
        id: &str,
        form: &TrunksForm,
    ) -> Result<TrunksView, EngineError> {
        let id = self.known(id)?;
        if self.limits_read_only(id.as_str())? {
            return Err(EngineError::ReadOnly(
                "Only the reseller can change this account's trunks.".into(),
            ));
        }
        let (server, now) = self.limits_docs(id.as_str())?;
        let desired = desired_trunks(form, &now)?;
        self.stage(id.as_str(), DocKind::Limits, &server, desired)
            .await?;
        self.cached_trunks(id.as_str())?
            .ok_or(EngineError::NotCached)
    }

    /// Merge changes into the document's pending edit. A field keeps the base it had when first
    /// edited; a field edited back to that base is no longer pending.
    pub(crate) async fn stage(
        &self,
        id: &str,
        kind: DocKind,
        server: &Map<String, Value>,
        desired: Desired,
    ) -> Result<(), EngineError> {
        if desired.is_empty() {
            return Ok(());
        }
        {
            let _g = self.outbox_lock.lock().unwrap_or_else(|p| p.into_inner());
            let now = self.now();
            let mut edit = self.cache.pending(id, kind)?.unwrap_or(PendingEdit {
                account_id: id.to_owned(),
                kind,
                fields: Vec::new(),
                state: EditState::Queued,
                consent: None,
                created_at: now,
                updated_at: now,
                made: Default::default(),
                sent: Default::default(),
            });
            let made = desk_store::Made {
                by: self.user(),
                at: now,
            };
            for (path, mine) in desired {
                let base = match edit.fields.iter().find(|f| f.path == path) {
                    Some(f) => f.base.clone(),
                    None => merge::value_at(server, path),
                };
                edit.fields.retain(|f| f.path != path);
                edit.made.remove(path);
                // Back to where it started: nothing to send, unless a value of ours may have
                // reached the server unheard, which must then be put back.
                if mine != base || edit.sent.contains_key(path) {
                    edit.made.insert(path.to_owned(), made.clone());
                    edit.fields.push(FieldChange {
                        path: path.to_owned(),
                        base,
                        mine,
                    });
                }
            }
            // A changed edit is tried again: conflicts and charges are re-evaluated on push.
            edit.state = EditState::Queued;
            edit.consent = None;
            edit.updated_at = now;
            self.cache.put_pending(&edit)?;
        }
        // Durable before the user is told "saved locally".
        self.cache.flush().await?;
        self.notify();
        self.kick.notify_one();
        Ok(())
    }

    /// Every pending edit, for the pending list and the conflict view.
    pub fn pending_edits(&self) -> Result<Vec<PendingView>, EngineError> {
        Ok(self
            .cache
            .all_pending()?
            .into_iter()
            .map(|e| self.pending_view(e))
            .collect())
    }

    fn pending_view(&self, e: PendingEdit) -> PendingView {
        let theirs: &[(String, Option<Value>)] = match &e.state {
            EditState::Conflict { theirs } => theirs,
            _ => &[],
        };
        let fields = e
            .fields
            .iter()
            .map(|f| PendingFieldView {
                label: desk_core::field_label(&f.path).to_owned(),
                base: value_text(f.base.as_ref()),
                mine: value_text(f.mine.as_ref()),
                theirs: theirs
                    .iter()
                    .find(|(p, _)| *p == f.path)
                    .map(|(_, v)| value_text(v.as_ref())),
                path: f.path.clone(),
            })
            .collect();
        let (message, charges) = match &e.state {
            EditState::Failed { message, .. } => (Some(message.clone()), None),
            EditState::NeedsConsent { charges } => {
                (None, serde_json::from_value(charges.clone()).ok())
            }
            _ => (None, None),
        };
        PendingView {
            account_name: self.account_name(&e.account_id),
            state: views::state_name(&e.state),
            account_id: e.account_id,
            kind: e.kind,
            fields,
            message,
            charges,
            updated_at: e.updated_at,
        }
    }

    /// Update one pending edit under the outbox lock, flush, and wake the push.
    async fn amend(
        &self,
        id: &str,
        kind: DocKind,
        f: impl FnOnce(&mut PendingEdit) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        // Not `known`: an edit for an account that has since left the tree can still be
        // discarded.
        let id = desk_core::AccountId::parse(id)?;
        {
            let _g = self.outbox_lock.lock().unwrap_or_else(|p| p.into_inner());
            let mut edit = self
                .cache
                .pending(id.as_str(), kind)?
                .ok_or(EngineError::NotPending)?;
            f(&mut edit)?;
            edit.updated_at = self.now();
            self.cache.put_pending(&edit)?;
        }
        self.cache.flush().await?;
        self.notify();
        self.kick.notify_one();
        Ok(())
    }

    /// The user's choice per conflicting field: keep mine (pushed over theirs) or take theirs
    /// (my change is dropped and logged).
    pub async fn resolve_conflict(
        &self,
        id: &str,
        kind: DocKind,
        choices: &[(String, Choice)],
    ) -> Result<(), EngineError> {
        let mut dropped = Vec::new();
        self.amend(id, kind, |edit| {
            let EditState::Conflict { theirs } = &edit.state else {
                return Err(EngineError::NotPending);
            };
            let theirs = theirs.clone();
            for (path, their_value) in &theirs {
                let choice = choices
                    .iter()
                    .find(|(p, _)| p == path)
                    .map(|(_, c)| *c)
                    .ok_or_else(|| {
                        FieldError::new(
                            "conflict",
                            format!("choose a value for {}", desk_core::field_label(path)),
                        )
                    })?;
                match choice {
                    Choice::Mine => {
                        if let Some(f) = edit.fields.iter_mut().find(|f| &f.path == path) {
                            f.base = their_value.clone();
                        }
                    }
                    Choice::Theirs => {
                        if let Some(f) = edit.fields.iter().find(|f| &f.path == path) {
                            dropped.push((f.clone(), their_value.clone()));
                        }
                        edit.fields.retain(|f| &f.path != path);
                    }
                }
            }
            edit.state = EditState::Queued;
            Ok(())
        })
        .await?;
        for (f, theirs) in dropped {
            // Logged as the act of whoever discards it, now.
            self.log(
                id,
                None,
                &f.path,
                (theirs.as_ref(), f.mine.as_ref()),
                "discarded: kept the server's value",
                None,
            );
        }
        Ok(())
    }

    /// The user agreed to the charges shown: for this change, this quote and this month only
    /// (see `push_limits`).
    pub async fn approve_charges(&self, id: &str, kind: DocKind) -> Result<(), EngineError> {
        let month = self.billing_month(id);
        self.amend(id, kind, |edit| {
            let EditState::NeedsConsent { charges } = &edit.state else {
                return Err(EngineError::NotPending);
            };
            edit.consent = Some(desk_store::Consent {
                fields: edit.fields.clone(),
                charges: charges.clone(),
                month,
            });
            edit.state = EditState::Queued;
            Ok(())
        })
        .await
    }

    /// Drop a pending edit (or one field of it). Nothing is sent; the change log records it.
    pub async fn discard(
        &self,
        id: &str,
        kind: DocKind,
        path: Option<&str>,
    ) -> Result<(), EngineError> {
        let mut dropped = Vec::new();
        self.amend(id, kind, |edit| {
            edit.fields.retain(|f| {
                let drop = path.is_none_or(|p| p == f.path);
                if drop {
                    dropped.push(f.clone());
                }
                !drop
            });
            for f in &dropped {
                edit.sent.remove(&f.path);
                edit.made.remove(&f.path);
            }
            Ok(())
        })
        .await?;
        for f in dropped {
            self.log(
                id,
                None,
                &f.path,
                (f.base.as_ref(), f.mine.as_ref()),
                "discarded",
                None,
            );
        }
        Ok(())
    }

    /// Log what became of one field's edit; `made` names who made it and when (the signed-in
    /// user now, for an edit saved before that was kept).
    pub(crate) fn log(
        &self,
        id: &str,
        made: Option<&desk_store::Made>,
        field: &str,
        (old, new): (Option<&Value>, Option<&Value>),
        result: &str,
        request_id: Option<&str>,
    ) {
        let record = ChangeRecord {
            at: self.now(),
            user: made.map_or_else(|| self.user(), |m| m.by.clone()),
            edited_at: made.map(|m| m.at),
            account_id: id.to_owned(),
            account_name: self.account_name(id),
            field: field.to_owned(),
            old: old.cloned(),
            new: new.cloned(),
            result: result.to_owned(),
            request_id: request_id.map(str::to_owned),
        };
        if let Err(e) = self.cache.log_change(&record) {
            tracing::error!(error = %e, "could not write the change log");
        }
    }
}
