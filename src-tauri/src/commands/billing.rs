//! Payment Details, Usage Charges, Service Plan and watched balances.

use crate::error::{app_error, CommandResult};
use crate::state::AppState;
use chrono::NaiveDate;
use desk_core::billing::BillingContact;
use desk_engine::{
    BillingSettingsForm, BillingSettingsView, CardEntry, ChargePreview, CreditOutcome, PaymentView,
    PlanView, TiersView, TimesIn, TrunksForm, UsageView, WatchedBalance,
};
use tauri::{AppHandle, State};

fn times_in_account(state: &AppState) -> bool {
    state.view().settings.times_in == TimesIn::Account
}

#[tauri::command]
pub async fn payment_details(state: State<'_, AppState>, id: String) -> CommandResult<PaymentView> {
    Ok(state.desk()?.payment_details(&id).await?)
}

/// The payment processor's host that card details would go to.
#[tauri::command]
pub async fn card_destination(state: State<'_, AppState>, id: String) -> CommandResult<String> {
    Ok(state.desk()?.card_destination(&id).await?)
}

/// The brand a card number's leading digits name, shown while the user types ("" until they
/// say). The window sends the first six digits only (the issuer's prefix); nothing is kept.
#[tauri::command(async)]
pub fn card_brand(leading: String) -> String {
    desk_core::card::Brand::named_by(&leading)
        .map(|b| b.label().to_owned())
        .unwrap_or_default()
}

/// The card entry is wiped from memory when the engine drops it.
#[tauri::command]
pub async fn add_card(
    state: State<'_, AppState>,
    id: String,
    card: CardEntry,
) -> CommandResult<PaymentView> {
    Ok(state.desk()?.add_card(&id, card).await?)
}

#[tauri::command]
pub async fn save_billing_contact(
    state: State<'_, AppState>,
    id: String,
    contact: BillingContact,
) -> CommandResult<PaymentView> {
    Ok(state.desk()?.save_billing_contact(&id, &contact).await?)
}

#[tauri::command(async)]
pub fn billing_settings(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<BillingSettingsView> {
    Ok(state.desk()?.billing_settings(&id)?)
}

#[tauri::command]
pub async fn save_billing_settings(
    state: State<'_, AppState>,
    id: String,
    form: BillingSettingsForm,
) -> CommandResult<BillingSettingsView> {
    Ok(state.desk()?.save_billing_settings(&id, &form).await?)
}

fn date(field: &str, text: &str) -> CommandResult<NaiveDate> {
    text.parse().map_err(|_| {
        app_error(
            "invalid_input",
            format!("{field}: “{text}” is not a date like 2026-11-01"),
        )
    })
}

/// The dates asked for, or the default range (the last 30 days in the zone times are shown in).
fn range(
    state: &AppState,
    id: &str,
    from: Option<String>,
    to: Option<String>,
) -> CommandResult<(NaiveDate, NaiveDate)> {
    match (from, to) {
        (Some(f), Some(t)) => Ok((date("From", &f)?, date("To", &t)?)),
        _ => Ok(state
            .desk()?
            .default_usage_range(id, times_in_account(state))),
    }
}

#[tauri::command]
pub async fn usage(
    state: State<'_, AppState>,
    id: String,
    from: Option<String>,
    to: Option<String>,
) -> CommandResult<UsageView> {
    let (from, to) = range(&state, &id, from, to)?;
    Ok(state
        .desk()?
        .usage(&id, from, to, times_in_account(&state))
        .await?)
}

/// Save the ledger rows shown as CSV where the user chooses; `None` when cancelled.
#[tauri::command]
pub async fn export_usage(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    from: Option<String>,
    to: Option<String>,
) -> CommandResult<Option<String>> {
    let (from, to) = range(&state, &id, from, to)?;
    let view = state
        .desk()?
        .usage(&id, from, to, times_in_account(&state))
        .await?;
    let csv = desk_engine::usage_csv(&view);
    let name = format!("usage-{from}-to-{to}.csv");
    let Some(path) = crate::save_dialog::ask_csv_path(&app, &name).await? else {
        return Ok(None);
    };
    std::fs::write(&path, csv)
        .map_err(|e| app_error("export", format!("Could not write {}: {e}", path.display())))?;
    Ok(Some(path.display().to_string()))
}

#[tauri::command(async)]
pub fn new_credit_intent(state: State<'_, AppState>) -> CommandResult<String> {
    Ok(state.desk()?.new_credit_intent())
}

#[tauri::command]
pub async fn add_credit(
    state: State<'_, AppState>,
    id: String,
    intent: String,
    amount: String,
) -> CommandResult<CreditOutcome> {
    let desk = state.desk()?;
    let outcome = desk.add_credit(&id, &intent, &amount).await?;
    desk.poll_balances_soon();
    Ok(outcome)
}

#[tauri::command]
pub async fn service_plan(state: State<'_, AppState>, id: String) -> CommandResult<PlanView> {
    Ok(state.desk()?.service_plan(&id).await?)
}

#[tauri::command]
pub async fn preview_trunk_charges(
    state: State<'_, AppState>,
    id: String,
    form: TrunksForm,
) -> CommandResult<Option<ChargePreview>> {
    Ok(state.desk()?.preview_trunk_charges(&id, &form).await?)
}

#[tauri::command]
pub async fn set_watched(
    state: State<'_, AppState>,
    id: String,
    on: bool,
) -> CommandResult<Vec<String>> {
    let desk = state.desk()?;
    let list = desk.set_watched(&id, on).await?;
    desk.poll_balances_soon();
    Ok(list)
}

#[tauri::command(async)]
pub fn watched_balances(state: State<'_, AppState>) -> CommandResult<Vec<WatchedBalance>> {
    Ok(state.desk()?.watched_balances()?)
}

#[tauri::command(async)]
pub fn alert_tiers(state: State<'_, AppState>, id: String) -> CommandResult<TiersView> {
    Ok(state.desk()?.tiers_view(&id)?)
}

#[tauri::command]
pub async fn save_alert_tiers(
    state: State<'_, AppState>,
    id: String,
    enabled: bool,
    thresholds: Vec<String>,
) -> CommandResult<TiersView> {
    Ok(state
        .desk()?
        .save_alert_tiers(&id, enabled, &thresholds)
        .await?)
}
