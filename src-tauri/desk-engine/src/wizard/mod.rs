//! The new sub-account wizard: what it proposes (a realm, the parent's zone, a password, the
//! plans on offer), the checks of each step, and what the account will cost. Creating it, and
//! finishing or undoing a creation cut short, is [`create`].

mod create;

pub(crate) use create::Creating;

pub use create::{CreationView, StepView};

use crate::billing::PlanRow;
use crate::{Desk, EngineError};
use crossbar::PlanOffer;
use desk_core::money::{format_money, shown};
use desk_core::proration::{prorate_at, Proration};
use desk_core::user::check_password;
use desk_core::{
    AccountDoc, AccountName, CallerIdPrivacy, ContactName, EmailAddress, FieldError, NumbersFormat,
    Realm, Timezone, TrunkLimits, TrunksForm, UserName,
};
use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The admin guide's advice on realms, shown beside the realm.
pub const REALM_ADVICE: &str = "The realm is the SIP domain the account's devices register against. It is generated for you; most accounts rename the first part of it to the company or department name. Define it now: changing it later can disrupt service.";

/// What the user typed, step by step. The password is never written anywhere: a creation's
/// record keeps the rest of the form, for finishing it after a restart.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NewAccountForm {
    pub parent: String,
    pub name: String,
    pub realm: String,
    /// A zone name; empty is the parent's zone.
    pub timezone: String,
    pub numbers_format: String,
    pub numbers_format_exceptions: Vec<String>,
    pub privacy: String,
    pub admin: NewAdmin,
    /// A plan ID from the offer; empty: no plan.
    pub plan: String,
    pub trunks: TrunksForm,
}

#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NewAdmin {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub username: String,
    #[serde(skip_serializing)]
    pub password: String,
}

/// Never prints the password (a failing test's `{:?}`, a log line).
impl std::fmt::Debug for NewAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAdmin")
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// What the wizard opens with.
#[derive(Debug, Clone, Serialize)]
pub struct WizardStart {
    pub parent_id: String,
    pub parent_name: String,
    /// Proposed: 6 hex characters and the parent's realm suffix.
    pub realm: String,
    pub realm_suffix: String,
    pub advice: &'static str,
    /// The parent's zone, proposed as a copy.
    pub timezone: String,
    pub timezone_note: String,
    /// A password to offer (the user may type their own); shown once, never stored.
    pub password: String,
    pub plans: Vec<PlanChoice>,
    /// Why there is no plan to choose, when there is none.
    pub plans_note: Option<String>,
    /// Creations cut short (here or before a restart): to finish or undo.
    pub unfinished: Vec<CreationView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanChoice {
    pub id: String,
    pub name: String,
    pub rates: Vec<PlanRow>,
}

/// One line of the review.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReviewRow {
    pub step: u8,
    pub label: String,
    pub value: String,
}

/// What the account will cost: the plan's monthly price with these trunks, and what the rest of
/// this month costs today.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WizardCharges {
    #[serde(serialize_with = "shown")]
    pub today: Decimal,
    #[serde(serialize_with = "shown")]
    pub monthly: Decimal,
    /// "X.XX today (prorated, N of M days), Y.YY monthly from <date>".
    pub sentence: String,
    pub lines: Vec<PlanRow>,
}

/// Every step checked up to the one asked for, and the review once all are.
#[derive(Debug, Clone, Serialize)]
pub struct WizardCheck {
    pub charges: Option<WizardCharges>,
    pub review: Vec<ReviewRow>,
}

/// A plan listing as read, for the steps that follow.
pub(crate) struct Offers {
    parent: desk_core::AccountId,
    at: chrono::DateTime<chrono::Utc>,
    plans: Vec<PlanOffer>,
}

/// What a creation cut short has made already: its account (whose name and realm are then
/// its own, not a clash) and its admin.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Made<'a> {
    pub account: Option<&'a str>,
    pub admin: bool,
}

/// The form, checked: what the creation sends.
pub(crate) struct Checked {
    pub parent: desk_core::AccountId,
    pub name: AccountName,
    pub doc: Value,
    pub admin: Value,
    pub plan: Option<PlanOffer>,
    pub trunks: TrunkLimits,
    pub charges: Option<WizardCharges>,
    pub review: Vec<ReviewRow>,
}

/// The admin guide's rename: `realm` with its first part replaced by one made from the company
/// name (`a1b2c3.sip.example.com` → `harbor-dental.sip.example.com`).
pub fn suggest_realm(company: &str, realm: &str) -> Option<String> {
    let label = Realm::suggest_label(company);
    Realm::parse(realm)
        .ok()?
        .rename_first_label(&label)
        .ok()
        .map(|r| r.as_str().to_owned())
}

/// A password of 16 characters from letters and digits that cannot be misread (no 0/O, 1/l/I).
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The monthly price of `plan` with `trunks`, and today's share: the plan is assigned before
/// the trunks are set, so each is prorated on its own, as the platform bills them.
fn charges(
    plan: &PlanOffer,
    trunks: &TrunkLimits,
    zone: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> WizardCharges {
    let mut lines = Vec::new();
    let (mut base, mut trunked) = (Decimal::ZERO, Decimal::ZERO);
    let counts = trunks.by_field();
    for (category, item, rate) in &plan.rates {
        let quantity = match category.as_str() {
            "limits" => counts
                .iter()
                .find(|(f, _)| f == item)
                .map_or(0, |(_, n)| i64::from(*n)),
            // The account itself; anything else (users, devices, numbers) is billed as it comes.
            "account" => 1,
            _ => 0,
        };
        let total = *rate * Decimal::from(quantity);
        if category == "limits" {
            trunked += total;
        } else {
            base += total;
        }
        lines.push(PlanRow {
            category: category.clone(),
            item: item.clone(),
            quantity,
            rate: *rate,
            total,
        });
    }
    let first: Proration = prorate_at(base, zone, now);
    let second = prorate_at(trunked, zone, now);
    let today = first.today + second.today;
    let monthly = base + trunked;
    WizardCharges {
        today,
        monthly,
        sentence: format!(
            "{} today (prorated, {} of {} days), {} monthly from {}",
            format_money(today),
            first.days_charged,
            first.days_in_month,
            format_money(monthly),
            first.next_billing.format("%-d %B %Y")
        ),
        lines,
    }
}

impl Desk {
    /// Open the wizard under `parent`.
    pub async fn wizard_start(&self, parent: &str) -> Result<WizardStart, EngineError> {
        let parent = self.known(parent)?;
        self.ensure_cached(&parent).await?;
        let (_, doc) = self.account_docs(parent.as_str())?;
        let suffix = doc
            .realm()
            .valid()
            .map(|r| r.suffix().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "sip.example.com".into());
        let zone = self.billing_zone(parent.as_str());
        let parent_name = self.account_name(parent.as_str());
        let offer = match self.before_43_note("assigning a service plan to a new account") {
            Some(note) => Err(note),
            None => self
                .offered(&parent)
                .await
                .map_err(|e| format!("The plans on offer cannot be read: {e}")),
        };
        let (plans, plans_note) = match offer {
            Ok(offers) if offers.is_empty() => (
                Vec::new(),
                Some("The platform offers no service plan to this account's reseller.".into()),
            ),
            Ok(offers) => (
                offers
                    .iter()
                    .map(|o| PlanChoice {
                        id: o.id.clone(),
                        name: o.name.clone(),
                        rates: o
                            .rates
                            .iter()
                            .map(|(c, i, r)| PlanRow {
                                category: c.clone(),
                                item: i.clone(),
                                quantity: 0,
                                rate: *r,
                                total: Decimal::ZERO,
                            })
                            .collect(),
                    })
                    .collect(),
                None,
            ),
            Err(e) => (
                Vec::new(),
                Some(format!("The plans on offer cannot be read: {e}")),
            ),
        };
        Ok(WizardStart {
            parent_id: parent.to_string(),
            realm: format!("{:06x}.{suffix}", rand::random::<u32>() & 0xff_ffff),
            realm_suffix: suffix,
            advice: REALM_ADVICE,
            timezone: zone.name().to_owned(),
            timezone_note: format!(
                "Copied from {parent_name}. The new account keeps its own copy: later changes to {parent_name}'s zone do not follow."
            ),
            parent_name,
            password: generate_password(),
            plans,
            plans_note,
            unfinished: self.unfinished_creations()?,
        })
    }

    /// The plans the parent's reseller offers: read when the wizard opens, then reused for as
    /// long as the trunk preview reuses plan rates.
    async fn offered(&self, parent: &desk_core::AccountId) -> Result<Vec<PlanOffer>, EngineError> {
        let fresh = chrono::Duration::seconds(crate::billing::plan::PLAN_FRESH_FOR);
        if let Some(o) = self.creating.offers.lock().as_ref() {
            if o.parent == *parent && self.now() - o.at < fresh {
                return Ok(o.plans.clone());
            }
        }
        let plans = self.observe(self.client.offered_plans(parent).await)?;
        *self.creating.offers.lock() = Some(Offers {
            parent: parent.clone(),
            at: self.now(),
            plans: plans.clone(),
        });
        Ok(plans)
    }

    /// Check the steps up to `through` (1–5); from step 4 on, what it will cost.
    pub async fn wizard_check(
        &self,
        form: &NewAccountForm,
        through: u8,
    ) -> Result<WizardCheck, EngineError> {
        let c = self.check_form(form, through, Made::default()).await?;
        Ok(WizardCheck {
            charges: c.charges,
            review: if through >= 5 { c.review } else { Vec::new() },
        })
    }

    pub(crate) async fn check_form(
        &self,
        form: &NewAccountForm,
        through: u8,
        made: Made<'_>,
    ) -> Result<Checked, EngineError> {
        let own = made.account;
        let parent = self.known(&form.parent)?;
        let mut errors: Vec<FieldError> = Vec::new();
        let mut review = Vec::new();
        let mut row = |step: u8, label: &str, value: String| {
            review.push(ReviewRow {
                step,
                label: label.to_owned(),
                value,
            })
        };
        let mut doc = AccountDoc::from_value(json!({})).map_err(crate::documents::decode)?;
        // 1. Name and realm, unique among the accounts this reseller sees (the platform checks
        // its others when the account is created, before anything exists).
        let name = AccountName::parse(&form.name);
        let realm = Realm::parse(&form.realm);
        if let (Ok(n), Ok(r)) = (&name, &realm) {
            doc.set_name(n);
            doc.set_realm(r);
            row(1, "Account name", n.to_string());
            row(1, "Realm", r.as_str().to_owned());
        }
        let index = self.index().ok_or(EngineError::NotCached)?;
        let others = || {
            index
                .descendants()
                .chain(index.node(index.root_id()))
                .filter(|a| Some(a.id.as_str()) != own)
        };
        if let Ok(n) = &name {
            let key = AccountName::uniqueness_key(n.as_str());
            if let Some(other) = others().find(|a| AccountName::uniqueness_key(&a.name) == key) {
                errors.push(FieldError::new(
                    "name",
                    format!("is already used by the account “{}”: names are unique on the platform, ignoring case, spaces and punctuation", other.name),
                ));
            }
        }
        if let Ok(r) = &realm {
            if let Some(other) = others().find(|a| a.realm.eq_ignore_ascii_case(r.as_str())) {
                errors.push(FieldError::new(
                    "realm",
                    format!(
                        "is already the realm of “{}”: realms are unique on the platform",
                        other.name
                    ),
                ));
            }
        }
        errors.extend(name.as_ref().err().cloned());
        errors.extend(realm.as_ref().err().cloned());
        // 2. Regional settings, by Account Info's rules. No zone given is the parent's, copied:
        // Kazoo itself would give a new account America/Los_Angeles, not the parent's zone.
        let mut zone = self.billing_zone(parent.as_str());
        if through >= 2 {
            match Timezone::parse(&form.timezone) {
                Ok(Timezone::Zone(tz)) => zone = tz,
                Ok(Timezone::Inherit) => {}
                Err(e) => errors.push(e),
            }
            doc.set_timezone(Timezone::Zone(zone));
            row(2, "Timezone", zone.name().to_owned());
            match NumbersFormat::parse(&form.numbers_format, &form.numbers_format_exceptions) {
                Ok(f) => {
                    doc.set_numbers_format(&f);
                    let national: Vec<&str> = f.exceptions().iter().map(|c| c.as_str()).collect();
                    let label = match national.as_slice() {
                        [] => f.mode_name().replace('_', " "),
                        some => format!("international, national for {}", some.join(", ")),
                    };
                    row(2, "Phone numbers format", label);
                }
                Err(e) => errors.push(e),
            }
            match CallerIdPrivacy::parse(&form.privacy) {
                Ok(p) => {
                    doc.set_privacy(p);
                    row(2, "Caller-ID privacy", p.label().to_owned());
                }
                Err(e) => errors.push(e),
            }
        }
        // 3. The first admin.
        let mut admin = json!({"priv_level": "admin"});
        if through >= 3 {
            let a = &form.admin;
            for (field, typed, key) in [
                ("admin.first_name", &a.first_name, "first_name"),
                ("admin.last_name", &a.last_name, "last_name"),
            ] {
                match ContactName::parse(field, typed) {
                    Ok(n) if !n.as_str().is_empty() => admin[key] = n.as_str().into(),
                    Ok(_) => errors.push(FieldError::new(field, "must not be empty")),
                    Err(e) => errors.push(e),
                }
            }
            if !a.email.trim().is_empty() {
                match EmailAddress::parse("admin.email", &a.email) {
                    Ok(e) => admin["email"] = e.as_str().into(),
                    Err(e) => errors.push(e),
                }
            }
            match UserName::parse("admin.username", &a.username) {
                Ok(u) => admin["username"] = u.as_str().into(),
                Err(e) => errors.push(e),
            }
            match check_password("admin.password", &a.password) {
                Ok(()) => admin["password"] = a.password.clone().into(),
                // Once the admin exists its password is not needed (nor known) any more.
                Err(_) if made.admin => {}
                Err(e) => errors.push(e),
            }
            row(
                3,
                "First admin",
                format!(
                    "{} {} ({}), admin",
                    a.first_name.trim(),
                    a.last_name.trim(),
                    a.username.trim().to_lowercase()
                ),
            );
            if !a.email.trim().is_empty() {
                row(3, "E-mail", a.email.trim().to_owned());
            }
        }
        // 4. Plan and trunks.
        let (mut plan, mut trunks, mut charged) = (None, TrunkLimits::default(), None);
        if through >= 4 {
            match form.trunks.parse() {
                Ok(t) => trunks = t,
                Err(e) => errors.extend(e),
            }
            if !form.plan.trim().is_empty() {
                let offers = self.offered(&parent).await?;
                match offers.into_iter().find(|o| o.id == form.plan.trim()) {
                    Some(o) => plan = Some(o),
                    None => errors.push(FieldError::new(
                        "plan",
                        "is not a plan the platform offers this account",
                    )),
                }
            }
            row(
                4,
                "Service plan",
                plan.as_ref()
                    .map_or_else(|| "None".into(), |p| p.name.clone()),
            );
            row(
                4,
                "Trunks",
                format!(
                    "{} inbound, {} outbound, {} two-way. {}",
                    trunks.inbound,
                    trunks.outbound,
                    trunks.twoway,
                    trunks.capacity().sentence()
                ),
            );
            if let Some(p) = &plan {
                let c = charges(p, &trunks, zone, self.now());
                row(4, "Charges", c.sentence.clone());
                charged = Some(c);
            }
        }
        if !errors.is_empty() {
            return Err(EngineError::InvalidInput(errors));
        }
        Ok(Checked {
            parent,
            name: name?,
            doc: doc.to_value(),
            admin,
            plan,
            trunks,
            charges: charged,
            review,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_plan_and_its_trunks_are_prorated_apart_as_they_are_billed() {
        let plan = PlanOffer {
            id: "p".into(),
            name: "P".into(),
            rates: vec![
                (
                    "account".into(),
                    "hosted_pbx".into(),
                    "29.00".parse().unwrap(),
                ),
                (
                    "limits".into(),
                    "twoway_trunks".into(),
                    "24.99".parse().unwrap(),
                ),
            ],
        };
        let trunks = TrunkLimits {
            twoway: 2,
            ..TrunkLimits::default()
        };
        // 16 April 2026 in Chicago: 15 of 30 days.
        let now = chrono::Utc.with_ymd_and_hms(2026, 4, 16, 15, 0, 0).unwrap();
        let c = charges(&plan, &trunks, chrono_tz::America::Chicago, now);
        assert_eq!(c.monthly, "78.98".parse::<Decimal>().unwrap());
        assert_eq!(
            c.today,
            "39.49".parse::<Decimal>().unwrap(),
            "14.50 + 24.99"
        );
        assert_eq!(
            c.sentence,
            "39.49 today (prorated, 15 of 30 days), 78.98 monthly from 1 May 2026"
        );
    }

    #[test]
    fn the_rename_keeps_the_suffix_and_needs_a_usable_name() {
        assert_eq!(
            suggest_realm("Harbor Dental, Inc.", "a1b2c3.sip.deskdemo.net").as_deref(),
            Some("harbor-dental-inc.sip.deskdemo.net")
        );
        assert_eq!(suggest_realm("!!!", "a1b2c3.sip.deskdemo.net"), None);
    }

    #[test]
    fn a_generated_password_is_long_and_unambiguous() {
        let p = generate_password();
        assert_eq!(p.len(), 16);
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        assert!(check_password("p", &p).is_ok());
    }
}
