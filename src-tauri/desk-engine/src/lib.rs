//! Account Desk's engine: signs in, keeps the cache and the server in step, stages and pushes
//! edits, and builds the views the screens show. It knows nothing of Tauri; the app's commands
//! are thin calls into [`Desk`].

mod backoff;
mod balances;
mod billing;
mod clock;
mod credit;
mod desk;
mod documents;
mod edits;
mod error;
mod export;
mod history;
mod index;
mod keys;
mod outbox;
mod pending;
mod profiles;
mod reading;
mod shortcuts;
mod signin;
mod sync;
mod views;
mod watch;
mod wizard;
mod zone;

pub use balances::{
    BalanceFilter, BalanceRow, BalanceSort, BalancesPage, BalancesQuery, RefreshProgress,
    CONCURRENCY as BALANCE_CONCURRENCY,
};
pub use billing::{
    usage_csv, BillingSettingsForm, BillingSettingsView, CardEntry, CardView, ChargePreview,
    PaymentView, PlanRow, PlanView, UsageView, PRORATION_RULE,
};
pub use clock::Clock;
pub use credit::{CreditOutcome, IntentState};
pub use desk::{Desk, SignInInfo, Status};
pub use desk_core::TrunksForm;
pub use edits::{
    capacity_preview, country_choices, zone_choices, CapacityPreview, CountryChoice, FieldCheck,
    NumbersPreview,
};
pub use error::{EngineError, ErrorView, FieldMessage};
pub use history::to_csv;
pub use index::{AccountIndex, Crumb, NodeView, SearchHit};
pub use keys::{fnv, forget_secrets, secret_key, KEYRING_CHANNEL};
pub use pending::{ChargeRow, ChargesView, Choice, PendingFieldView, PendingView};
pub use profiles::{
    profile_for, profile_id, AuthMethod, ConfigFiles, Profile, Profiles, Settings, TimesIn,
    DEMO_PROFILE,
};
pub use shortcuts::Shortcuts;
pub use signin::{SignInForm, Start};
pub use views::{AccountForm, AccountView, PendingMark, TrunksView};
pub use watch::{Crossing, TiersView, WatchedBalance};
pub use wizard::{
    suggest_realm, CreationView, NewAccountForm, NewAdmin, PlanChoice, ReviewRow, StepView,
    WizardCharges, WizardCheck, WizardStart, REALM_ADVICE,
};
