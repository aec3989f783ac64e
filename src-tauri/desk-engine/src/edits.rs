//! From what the user typed to pending edits: validation by the core's rules (every error names
//! its field) and staging in the outbox (flushed before "saved locally"). The user's decisions
//! on what is pending are `pending.rs`.

use crate::desk::Desk;
use crate::views::{self, AccountForm, AccountView, TrunksView};
use crate::EngineError;
use chrono::{DateTime, Utc};
use desk_core::{
    merge, AccountDoc, Capacity, CountryCode, Field, FieldChange, FieldError, FormattedPhone,
    NumbersFormat, PhoneFormatter, TrunkLimits, TrunksForm, ZoneClock,
};
use desk_store::{DocKind, EditState, PendingEdit};
use serde::Serialize;
use serde_json::{Map, Value};

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

pub(crate) type Desired = Vec<(&'static str, Option<Value>)>;

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
    // A setting typed in one input: its own parser, written at its own path.
    let one = |field: Field, typed: &str| field.parse(typed, home).map(|v| vec![(field.path, v)]);
    if form.name != now.name {
        take(one(Field::NAME, &form.name));
    }
    if form.realm.trim() != now.realm {
        take(realm_change(form, now));
    }
    if form.timezone != now.timezone {
        take(one(Field::TIMEZONE, &form.timezone));
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
                    (Field::NUMBERS_FORMAT.path, Some(f.mode_name().into())),
                    (Field::NUMBERS_FORMAT_EXCEPTIONS.path, exceptions),
                ]
            }),
        );
    }
    for (field, typed, was) in [
        (Field::PRIVACY, &form.privacy, &now.privacy),
        (Field::TECH_NAME, &form.tech_name, &now.tech_name),
        (Field::TECH_EMAIL, &form.tech_email, &now.tech_email),
        (Field::TECH_NUMBER, &form.tech_number, &now.tech_number),
    ] {
        if typed != was {
            take(one(field, typed));
        }
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
    Field::REALM
        .parse(&form.realm, None)
        .map(|v| vec![(Field::REALM.path, v)])
}

fn desired_trunks(form: &TrunksForm, now: &TrunkLimits) -> Result<Desired, EngineError> {
    let wanted = form.parse().map_err(EngineError::InvalidInput)?;
    Ok(wanted
        .by_field()
        .into_iter()
        .zip(now.by_field())
        .filter(|((_, want), (_, have))| want != have)
        .map(|((field, n), _)| (field, Some(n.into())))
        .collect())
}

/// Live capacity for the trunk inputs.
pub fn capacity_preview(form: &TrunksForm) -> Result<CapacityPreview, EngineError> {
    let capacity = form.parse().map_err(EngineError::InvalidInput)?.capacity();
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
        let doc =
            AccountDoc::from_value(Value::Object(merged)).map_err(crate::documents::decode)?;
        Ok((server, doc))
    }

    fn limits_docs(&self, id: &str) -> Result<(Map<String, Value>, TrunkLimits), EngineError> {
        let entry = self.cache.limits(id)?.ok_or(EngineError::NotCached)?;
        let server = entry.value.as_object().cloned().unwrap_or_default();
        let pending = self.cache.pending(id, DocKind::Limits)?;
        let merged = views::overlay(&server, pending.as_ref());
        let doc = desk_core::LimitsDoc::from_value(Value::Object(merged))
            .map_err(crate::documents::decode)?;
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
        if field == "realm_label" {
            // The "rename the first label" helper: the current realm with a new first label.
            let renamed = match doc.realm().valid() {
                Some(r) => r
                    .rename_first_label(value)
                    .map(|r| Some(r.as_str().to_owned())),
                None => Err(FieldError::new(
                    "realm",
                    "the current realm is not valid: type the whole new realm",
                )),
            };
            return Ok(check(field, renamed));
        }
        let Some(setting) = Field::by_path(field).filter(|f| *f != Field::ID) else {
            return Err(FieldError::new(
                "field",
                format!("“{field}” is not a field that can be checked"),
            )
            .into());
        };
        // What the value will look like once saved, for the settings whose look differs.
        let display = |stored: Option<Value>| -> Option<String> {
            let text = stored
                .as_ref()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
            match setting {
                Field::REALM => text,
                Field::TIMEZONE => Some(
                    match text
                        .as_deref()
                        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
                    {
                        None => "Inherited from the parent account".into(),
                        Some(tz) => {
                            let c = ZoneClock::at(tz, self.now());
                            format!(
                                "{} local time · {} (UTC{})",
                                c.time, c.abbreviation, c.offset
                            )
                        }
                    },
                ),
                Field::TECH_NUMBER => {
                    text.map(|e164| PhoneFormatter::for_account(&doc).format(&e164).display)
                }
                f if Field::TRUNKS.contains(&f) => text,
                _ => None,
            }
        };
        Ok(check(field, setting.parse(value, home).map(display)))
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
        let now = self.now();
        self.change_pending(id, kind, |pending| {
            let mut edit = pending.unwrap_or(PendingEdit {
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
            Ok(Some(edit))
        })?;
        // Durable before the user is told "saved locally".
        self.cache.flush().await?;
        self.notify();
        self.wake_push();
        Ok(())
    }
}
