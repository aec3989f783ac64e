//! What the Account Info and Trunks screens show, built from the server's document with the
//! user's pending edits laid over it.

use crate::index::Crumb;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use desk_core::phone::SAMPLE_NUMBERS;
use desk_core::{
    merge, AccountDoc, CallerIdPrivacy, Capacity, FormattedPhone, LimitsDoc, NumbersFormat,
    PhoneFormatter, Stored, Timezone, ZoneClock,
};
use desk_store::{EditState, PendingEdit};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A value to show and, when the stored value breaks the rules, why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Shown {
    pub value: Option<String>,
    pub problem: Option<String>,
}

impl Shown {
    fn from<T>(stored: Stored<T>, show: impl Fn(&T) -> String) -> Self {
        match stored {
            Stored::Missing => Shown {
                value: None,
                problem: None,
            },
            Stored::Valid(v) => Shown {
                value: Some(show(&v)),
                problem: None,
            },
            Stored::Flagged { raw, problem } => Shown {
                value: Some(raw),
                problem: Some(problem),
            },
        }
    }
}

/// Where the data came from: the server just now, or the cache (offline).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Freshness {
    pub fetched_at: DateTime<Utc>,
    pub revision: Option<String>,
    pub from_cache: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimezoneView {
    /// The stored zone name, `None` when inherited.
    pub zone: Option<String>,
    pub inherited: bool,
    /// The zone that applies (the parent's when inherited and known).
    pub effective: Option<String>,
    pub clock: Option<ZoneClock>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NumbersFormatView {
    pub mode: Option<String>,
    pub label: String,
    pub exceptions: Vec<String>,
    pub warning: Option<String>,
    pub problem: Option<String>,
    /// Sample numbers from several countries in this format.
    pub preview: Vec<FormattedPhone>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PrivacyView {
    pub key: Option<String>,
    pub label: String,
    pub warning: Option<String>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContactView {
    pub name: Shown,
    pub email: Shown,
    pub number: Option<FormattedPhone>,
}

/// The editable values of Account Info as text, exactly as stored (pending edits included):
/// what the form starts from, and what a save is compared against.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AccountForm {
    pub name: String,
    pub realm: String,
    /// The current realm typed again: required to change the realm.
    pub realm_confirmation: String,
    pub timezone: String,
    pub numbers_format: String,
    pub numbers_format_exceptions: Vec<String>,
    pub privacy: String,
    pub tech_name: String,
    pub tech_email: String,
    pub tech_number: String,
}

pub(crate) fn raw_text(doc: &Map<String, Value>, path: &str) -> String {
    match merge::value_at(doc, path) {
        None => String::new(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    }
}

impl AccountForm {
    pub(crate) fn from_doc(doc: &Map<String, Value>) -> Self {
        let t = |p: &str| raw_text(doc, p);
        AccountForm {
            name: t("name"),
            realm: t("realm"),
            realm_confirmation: String::new(),
            timezone: t("timezone"),
            numbers_format: t("ui_flags.numbers_format"),
            numbers_format_exceptions: match merge::value_at(
                doc,
                "ui_flags.numbers_format_exceptions",
            ) {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect(),
                _ => Vec::new(),
            },
            privacy: t("caller_id_options.outbound_privacy"),
            tech_name: t("contact.technical.name"),
            tech_email: t("contact.technical.email"),
            tech_number: t("contact.technical.number"),
        }
    }
}

/// The state of an account document's pending edit, for markers and banners.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PendingMark {
    /// `queued`, `conflict`, `needs_consent` or `failed`.
    pub state: &'static str,
    /// Paths with a pending value.
    pub fields: Vec<String>,
    /// For `failed`: the server's sentence, and per-field messages.
    pub message: Option<String>,
    pub field_errors: Vec<(String, String)>,
}

pub(crate) fn state_name(s: &EditState) -> &'static str {
    match s {
        EditState::Queued => "queued",
        EditState::Conflict { .. } => "conflict",
        EditState::NeedsConsent { .. } => "needs_consent",
        EditState::Failed { .. } => "failed",
    }
}

fn mark(pending: Option<&PendingEdit>) -> Option<PendingMark> {
    let p = pending?;
    let (message, field_errors) = match &p.state {
        EditState::Failed {
            message, fields, ..
        } => (Some(message.clone()), fields.clone()),
        _ => (None, Vec::new()),
    };
    Some(PendingMark {
        state: state_name(&p.state),
        fields: p.fields.iter().map(|f| f.path.clone()).collect(),
        message,
        field_errors,
    })
}

/// The server's document with the pending values laid over it.
pub(crate) fn overlay(
    server: &Map<String, Value>,
    pending: Option<&PendingEdit>,
) -> Map<String, Value> {
    let mut doc = server.clone();
    for f in pending.map(|p| p.fields.as_slice()).unwrap_or_default() {
        merge::apply(&mut doc, &f.path, f.mine.as_ref());
    }
    doc
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AccountView {
    pub id: String,
    pub name: Shown,
    pub realm: Shown,
    pub breadcrumb: Vec<Crumb>,
    pub is_reseller: bool,
    pub home_country: Option<String>,
    pub timezone: TimezoneView,
    pub numbers_format: NumbersFormatView,
    pub privacy: PrivacyView,
    pub technical_contact: ContactView,
    pub form: AccountForm,
    pub pending: Option<PendingMark>,
    pub freshness: Freshness,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CountView {
    pub value: u32,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrunksView {
    pub inbound: CountView,
    pub outbound: CountView,
    pub twoway: CountView,
    pub capacity: Capacity,
    pub sentence: String,
    /// Only the reseller may change this account's trunks (learnt from a 403).
    pub read_only: bool,
    pub pending: Option<PendingMark>,
    pub freshness: Freshness,
}

pub(crate) fn format_label(f: &NumbersFormat) -> String {
    match f {
        NumbersFormat::International => "International".into(),
        NumbersFormat::National => "National".into(),
        NumbersFormat::InternationalWithExceptions(c) => format!(
            "International, national for {}",
            c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub(crate) fn preview(formatter: &PhoneFormatter) -> Vec<FormattedPhone> {
    SAMPLE_NUMBERS.iter().map(|n| formatter.format(n)).collect()
}

pub(crate) struct AccountInputs<'a> {
    pub id: &'a str,
    pub server: &'a AccountDoc,
    pub pending: Option<&'a PendingEdit>,
    pub breadcrumb: Vec<Crumb>,
    pub freshness: Freshness,
    /// The nearest ancestor's zone, for accounts that inherit theirs.
    pub inherited_zone: Option<Tz>,
    pub now: DateTime<Utc>,
}

pub(crate) fn account_view(i: AccountInputs<'_>) -> AccountView {
    let merged = overlay(i.server.as_map(), i.pending);
    let doc =
        AccountDoc::from_value(Value::Object(merged.clone())).unwrap_or_else(|_| i.server.clone());
    let formatter = PhoneFormatter::for_account(&doc);
    let timezone = match doc.timezone() {
        Stored::Valid(Timezone::Zone(tz)) => TimezoneView {
            zone: Some(tz.name().into()),
            inherited: false,
            effective: Some(tz.name().into()),
            clock: Some(ZoneClock::at(tz, i.now)),
            problem: None,
        },
        Stored::Valid(Timezone::Inherit) | Stored::Missing => TimezoneView {
            zone: None,
            inherited: true,
            effective: i.inherited_zone.map(|z| z.name().into()),
            clock: i.inherited_zone.map(|z| ZoneClock::at(z, i.now)),
            problem: None,
        },
        Stored::Flagged { raw, problem } => TimezoneView {
            zone: Some(raw),
            inherited: false,
            effective: None,
            clock: None,
            problem: Some(problem),
        },
    };
    let numbers_format = match doc.numbers_format() {
        Stored::Flagged { raw, problem } => NumbersFormatView {
            mode: Some(raw),
            label: "International (stored value unreadable)".into(),
            exceptions: Vec::new(),
            warning: None,
            problem: Some(problem),
            preview: preview(&formatter),
        },
        stored => {
            let f = stored.valid().cloned().unwrap_or_default();
            NumbersFormatView {
                mode: Some(f.mode_name().into()),
                label: format_label(&f),
                exceptions: f
                    .exceptions()
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect(),
                warning: f.warning().map(str::to_owned),
                problem: None,
                preview: preview(&formatter),
            }
        }
    };
    let privacy = match doc.privacy() {
        Stored::Flagged { raw, problem } => PrivacyView {
            key: Some(raw),
            label: "Unknown setting".into(),
            warning: None,
            problem: Some(problem),
        },
        stored => {
            let p = stored.valid().copied().unwrap_or(CallerIdPrivacy::Default);
            PrivacyView {
                key: Some(p.key().into()),
                label: p.label().into(),
                warning: p.warning().map(str::to_owned),
                problem: None,
            }
        }
    };
    let number = match doc.technical_number() {
        Stored::Missing => None,
        Stored::Valid(n) => Some(formatter.format(n.e164())),
        Stored::Flagged { raw, problem } => Some(FormattedPhone {
            display: raw,
            e164: None,
            problem: Some(problem),
        }),
    };
    AccountView {
        id: i.id.to_owned(),
        name: Shown::from(doc.name(), |n| n.as_str().to_owned()),
        realm: Shown::from(doc.realm(), |r| r.as_str().to_owned()),
        breadcrumb: i.breadcrumb,
        is_reseller: doc.is_reseller(),
        home_country: doc.home_country().map(|c| c.as_str().to_owned()),
        timezone,
        numbers_format,
        privacy,
        technical_contact: ContactView {
            name: Shown::from(doc.technical_name(), Clone::clone),
            email: Shown::from(doc.technical_email(), |e| e.as_str().to_owned()),
            number,
        },
        form: AccountForm::from_doc(&merged),
        pending: mark(i.pending),
        freshness: i.freshness,
    }
}

pub(crate) fn trunks_view(
    server: &LimitsDoc,
    pending: Option<&PendingEdit>,
    read_only: bool,
    freshness: Freshness,
) -> TrunksView {
    let merged = overlay(server.as_map(), pending);
    let doc = LimitsDoc::from_value(Value::Object(merged)).unwrap_or_else(|_| server.clone());
    let count = |field| match doc.count(field) {
        Stored::Valid(v) => CountView {
            value: v,
            problem: None,
        },
        Stored::Missing => CountView {
            value: 0,
            problem: None,
        },
        Stored::Flagged { raw, problem } => CountView {
            value: 0,
            problem: Some(format!("stored as {raw}: {problem}; counted as 0")),
        },
    };
    let capacity = doc.trunks().capacity();
    TrunksView {
        inbound: count(desk_core::Field::INBOUND_TRUNKS.path),
        outbound: count(desk_core::Field::OUTBOUND_TRUNKS.path),
        twoway: count(desk_core::Field::TWOWAY_TRUNKS.path),
        sentence: capacity.sentence(),
        capacity,
        read_only,
        pending: mark(pending),
        freshness,
    }
}
