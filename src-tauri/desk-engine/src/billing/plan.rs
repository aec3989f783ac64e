//! Service Plan: the plan's items and rates, the proration rule with today's numbers, and what
//! raising trunks would cost before it is saved.

use crate::documents::decode;
use crate::reading::Seen;
use crate::{Desk, EngineError};
use chrono::NaiveDate;
use crossbar::ServiceSummary;
use desk_core::money::{format_money, shown};
use desk_core::proration::{local_date, prorate, prorate_at, Proration};
use desk_core::AccountId;
use rust_decimal::Decimal;
use serde::Serialize;

/// One line of the plan, as the window shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanRow {
    pub category: String,
    pub item: String,
    pub quantity: i64,
    #[serde(serialize_with = "shown")]
    pub rate: Decimal,
    #[serde(serialize_with = "shown")]
    pub total: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanView {
    pub plan_name: Option<String>,
    pub items: Vec<PlanRow>,
    #[serde(serialize_with = "shown")]
    pub recurring: Decimal,
    pub next_billing: Option<NaiveDate>,
    pub zone: String,
    /// The rule, in words, with today's numbers.
    pub explanation: String,
    /// Why the plan cannot be shown on this platform (Kazoo 4.2 has no service summary).
    pub platform_note: Option<String>,
}

/// "X.XX today (prorated, N of M days), Y.YY monthly from <date>".
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChargePreview {
    pub proration: Proration,
    pub sentence: String,
}

/// Plan rates change rarely: a preview typed key by key reuses a reading this recent.
pub(crate) const PLAN_FRESH_FOR: i64 = 600;

/// The rule the UI explains next to every proration.
pub const PRORATION_RULE: &str = "A mid-month addition is charged for the days left in the month, today included, on the account's own calendar: monthly amount × days left ÷ days in the month, rounded half away from zero to the cent. The full monthly amount is billed from the 1st.";

impl Desk {
    pub async fn service_plan(&self, id: &str) -> Result<PlanView, EngineError> {
        let id = self.known(id)?;
        self.ensure_cached(&id).await?;
        let zone = self.billing_zone(id.as_str());
        if let Some(note) = self.before_43_note("the service plan summary") {
            return Ok(PlanView {
                plan_name: None,
                items: Vec::new(),
                recurring: Decimal::ZERO,
                next_billing: None,
                zone: zone.name().to_owned(),
                explanation: String::new(),
                platform_note: Some(note),
            });
        }
        let summary = self.plan_summary(&id, 0).await?;
        let today = local_date(zone, self.now());
        let sample = prorate(summary.recurring, today);
        Ok(PlanView {
            plan_name: summary.plan_name.clone(),
            items: summary
                .items
                .iter()
                .map(|i| PlanRow {
                    category: i.category.clone(),
                    item: i.item.clone(),
                    quantity: i.quantity,
                    rate: i.rate,
                    total: i.total,
                })
                .collect(),
            recurring: summary.recurring,
            // Kazoo bills on the 1st at 00:00 UTC (`kz_services:summary_billing_cycle/1`): that
            // is a UTC date, which shown in a zone west of UTC would be a day early.
            next_billing: summary.next_billing.map(|t| t.date_naive()),
            zone: zone.name().to_owned(),
            explanation: format!(
                "{PRORATION_RULE} Example: a plan of {} added today ({}) would cost {} now ({} of {} days), then {} a month from {}.",
                format_money(summary.recurring),
                today.format("%-d %B"),
                format_money(sample.today),
                sample.days_charged,
                sample.days_in_month,
                format_money(summary.recurring),
                sample.next_billing.format("%-d %B %Y"),
            ),
            platform_note: None,
        })
    }

    /// The plan's rates: a reading younger than `fresh_for` seconds as it is, else read again
    /// (the last one kept when offline).
    async fn plan_summary(
        &self,
        id: &AccountId,
        fresh_for: i64,
    ) -> Result<ServiceSummary, EngineError> {
        let key = format!("plan:{id}");
        if let Some(seen) = self.cache.pref::<Seen<ServiceSummary>>(&key)? {
            if self.now() - seen.at < chrono::Duration::seconds(fresh_for) {
                return Ok(seen.value);
            }
        }
        let read = self.client.service_summary(id).await;
        Ok(self.remembered(&key, read)?.value)
    }

    /// What raising trunks to `form` would cost: prorated today and monthly from the 1st, by the
    /// plan's rates. `None` when nothing billable rises (or the account has no plan).
    pub async fn preview_trunk_charges(
        &self,
        id: &str,
        form: &desk_core::TrunksForm,
    ) -> Result<Option<ChargePreview>, EngineError> {
        let id = self.known(id)?;
        self.ensure_cached(&id).await?;
        let entry = self
            .cache
            .limits(id.as_str())?
            .ok_or(EngineError::NotCached)?;
        let server = desk_core::LimitsDoc::from_value(entry.value)
            .map_err(decode)?
            .trunks();
        let wanted = form.parse().map_err(EngineError::InvalidInput)?;
        let summary = self.plan_summary(&id, PLAN_FRESH_FOR).await?;
        let rate = |item: &str| {
            summary
                .items
                .iter()
                .find(|i| i.item == item)
                .map(|i| i.rate)
        };
        let mut added = Decimal::ZERO;
        for ((item, before), (_, after)) in server.by_field().into_iter().zip(wanted.by_field()) {
            if let Some(r) = rate(item) {
                added += r * Decimal::from(after.saturating_sub(before));
            }
        }
        if added <= Decimal::ZERO {
            return Ok(None);
        }
        let p = prorate_at(added, self.billing_zone(id.as_str()), self.now());
        Ok(Some(ChargePreview {
            sentence: format!(
                "{} today (prorated, {} of {} days), {} monthly from {}",
                format_money(p.today),
                p.days_charged,
                p.days_in_month,
                format_money(p.monthly),
                p.next_billing.format("%-d %B %Y")
            ),
            proration: p,
        }))
    }
}
