//! What the Account Info and Trunks screens show, built from a document as stored.

use crate::index::Crumb;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use desk_core::phone::SAMPLE_NUMBERS;
use desk_core::{
    AccountDoc, CallerIdPrivacy, Capacity, FormattedPhone, LimitsDoc, NumbersFormat,
    PhoneFormatter, Stored, Timezone, ZoneClock,
};
use serde::Serialize;

/// A value to show and, when the stored value breaks the rules, why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Field {
    pub value: Option<String>,
    pub problem: Option<String>,
}

impl Field {
    fn from<T>(stored: Stored<T>, show: impl Fn(&T) -> String) -> Self {
        match stored {
            Stored::Missing => Field {
                value: None,
                problem: None,
            },
            Stored::Valid(v) => Field {
                value: Some(show(&v)),
                problem: None,
            },
            Stored::Flagged { raw, problem } => Field {
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
    pub name: Field,
    pub email: Field,
    pub number: Option<FormattedPhone>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AccountView {
    pub id: String,
    pub name: Field,
    pub realm: Field,
    pub breadcrumb: Vec<Crumb>,
    pub is_reseller: bool,
    pub home_country: Option<String>,
    pub timezone: TimezoneView,
    pub numbers_format: NumbersFormatView,
    pub privacy: PrivacyView,
    pub technical_contact: ContactView,
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
    pub freshness: Freshness,
}

fn format_label(f: &NumbersFormat) -> String {
    match f {
        NumbersFormat::International => "International".into(),
        NumbersFormat::National => "National".into(),
        NumbersFormat::InternationalWithExceptions(c) => format!(
            "International, national for {}",
            c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub(crate) struct AccountInputs<'a> {
    pub id: &'a str,
    pub doc: &'a AccountDoc,
    pub breadcrumb: Vec<Crumb>,
    pub freshness: Freshness,
    /// The nearest ancestor's zone, for accounts that inherit theirs.
    pub inherited_zone: Option<Tz>,
    pub now: DateTime<Utc>,
}

pub(crate) fn account_view(i: AccountInputs<'_>) -> AccountView {
    let doc = i.doc;
    let formatter = PhoneFormatter::for_account(doc);
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
            preview: SAMPLE_NUMBERS.iter().map(|n| formatter.format(n)).collect(),
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
                preview: SAMPLE_NUMBERS.iter().map(|n| formatter.format(n)).collect(),
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
        name: Field::from(doc.name(), |n| n.as_str().to_owned()),
        realm: Field::from(doc.realm(), |r| r.as_str().to_owned()),
        breadcrumb: i.breadcrumb,
        is_reseller: doc.is_reseller(),
        home_country: doc.home_country().map(|c| c.as_str().to_owned()),
        timezone,
        numbers_format,
        privacy,
        technical_contact: ContactView {
            name: Field::from(doc.technical_name(), Clone::clone),
            email: Field::from(doc.technical_email(), |e| e.as_str().to_owned()),
            number,
        },
        freshness: i.freshness,
    }
}

pub(crate) fn trunks_view(doc: &LimitsDoc, freshness: Freshness) -> TrunksView {
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
        inbound: count("inbound_trunks"),
        outbound: count("outbound_trunks"),
        twoway: count("twoway_trunks"),
        sentence: capacity.sentence(),
        capacity,
        freshness,
    }
}
