//! Cards and money in: Kazoo's Braintree endpoints (`cb_braintree`: `client_token`,
//! `customer`, `cards`), a stand-in for Braintree's client API (card data in, single-use nonce
//! out, at `…/client_api/v1/payment_methods/credit_cards`), and `POST /services/topup`.
//!
//! As in Kazoo, an account has no Braintree customer until `POST …/braintree/customer` makes
//! one: before that `GET …/customer` answers a placeholder and `cards` and `client_token` fail.
//!
//! Test cards (any future expiry, any CVV): 4111 1111 1111 1111 (Visa), 5555 5555 5555 4444
//! (Mastercard), 3782 822463 10005 (Amex) approve; 4000 1111 1111 1115 is refused when added;
//! 4000 0000 0000 0341 is added but every charge is declined.

use crate::auth::OnAccount;
use crate::books::{Card, CardBehaviour};
use crate::envelope::{self, random_hex, Ctx, Reply};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/v2/accounts/{id}/braintree/client_token",
            get(client_token),
        )
        .route(
            "/v2/accounts/{id}/braintree/customer",
            get(customer).post(add_via_customer),
        )
        .route(
            "/v2/accounts/{id}/braintree/cards",
            get(cards).put(add_card),
        )
        .route("/v2/accounts/{id}/services/topup", post(topup))
        .route(PROCESSOR_PATH, post(tokenize))
}

/// Braintree's client API for the merchant, as a client token's `clientApiUrl` names it.
const CLIENT_API: &str = "/merchants/sandbox/client_api";
const PROCESSOR_PATH: &str = "/merchants/sandbox/client_api/v1/payment_methods/credit_cards";

/// `braintree_util:error_api/1`: Braintree refused; Kazoo relays its errors, verification and
/// message under `api_error` (`bt_api_error_to_json/1`), codes as text.
fn api_error(
    ctx: &Ctx,
    status: StatusCode,
    message: &str,
    code: &str,
    attribute: &str,
    text: &str,
    verification: Value,
) -> axum::response::Response {
    envelope::error(
        ctx,
        status,
        message,
        json!({"api_error": {
            "errors": [{"code": code, "message": text, "attribute": attribute}],
            "verification": verification,
            "message": text,
        }}),
    )
}

/// `braintree_customer:find/1` on an account that has none: `braintree_util:error_not_found/1`.
fn no_customer(ctx: &Ctx) -> axum::response::Response {
    envelope::error(
        ctx,
        StatusCode::INTERNAL_SERVER_ERROR,
        "not_found",
        json!({"not_found": "object not found"}),
    )
}

/// A card tokenized by the processor stand-in, waiting to be vaulted (single use).
#[derive(Debug, Clone)]
pub struct Nonce {
    pub card_type: String,
    pub last_four: String,
    pub month: u32,
    pub year: i32,
    pub behaviour: CardBehaviour,
}

async fn client_token(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    headers: HeaderMap,
) -> Reply {
    let mut state = shared.lock();
    // `braintree_client_token:get_client_token/1` always names `customer-id = AccountId`;
    // Braintree refuses an unknown one and `cb_braintree:validate_token` has no clause for it.
    if !state.books(&id).has_customer() {
        return Err(api_error(
            &ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "91613",
            "customer_id",
            "Customer specified by customer_id does not exist",
            json!({}),
        ));
    }
    let fingerprint = random_hex(24);
    state.fingerprints.insert(fingerprint.clone(), id.clone());
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let token = STANDARD.encode(json!({"authorizationFingerprint": fingerprint, "clientApiUrl": format!("http://{host}{CLIENT_API}")}).to_string());
    Ok(envelope::ok(&ctx, json!({"client_token": token}), None))
}

fn brand(number: &str) -> &'static str {
    match number.as_bytes().first() {
        Some(b'4') => "Visa",
        Some(b'5') | Some(b'2') => "MasterCard",
        Some(b'3') if number.starts_with("34") || number.starts_with("37") => "American Express",
        Some(b'6') => "Discover",
        _ => "Unknown",
    }
}

fn luhn_ok(number: &str) -> bool {
    let mut sum = 0;
    for (i, c) in number.chars().rev().enumerate() {
        let Some(d) = c.to_digit(10) else {
            return false;
        };
        sum += if i % 2 == 1 {
            if d * 2 > 9 {
                d * 2 - 9
            } else {
                d * 2
            }
        } else {
            d
        };
    }
    number.len() >= 12 && sum % 10 == 0
}

/// The processor's client API: it sees the card, Kazoo (and the sandbox's `/v2`) never does.
async fn tokenize(AxState(shared): AxState<Shared>, body: Bytes) -> Reply {
    let mut state = shared.lock();
    let refuse = |status: StatusCode, message: &str| {
        axum::response::IntoResponse::into_response((
            status,
            axum::Json(json!({"error": {"message": message}})),
        ))
    };
    let req: Value = serde_json::from_slice(&body)
        .map_err(|_| refuse(StatusCode::BAD_REQUEST, "malformed request"))?;
    let fp = req["authorizationFingerprint"].as_str().unwrap_or_default();
    if !state.fingerprints.contains_key(fp) {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "authorization fingerprint is not valid",
        ));
    }
    let card = &req["creditCard"];
    let number: String = card["number"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let (month, year) = card["expirationDate"]
        .as_str()
        .and_then(|e| e.split_once('/'))
        .and_then(|(m, y)| Some((m.parse::<u32>().ok()?, y.parse::<i32>().ok()?)))
        .unwrap_or((0, 0));
    if !luhn_ok(&number)
        || !(1..=12).contains(&month)
        || card["cvv"].as_str().is_none_or(|c| c.len() < 3)
    {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Credit card is invalid",
        ));
    }
    let behaviour = match number.as_str() {
        "4000111111111115" => CardBehaviour::DeclineOnVerify,
        "4000000000000341" => CardBehaviour::DeclineOnCharge,
        _ => CardBehaviour::Approve,
    };
    let nonce = format!("tokencc_{}", random_hex(12));
    let last_four = number[number.len() - 4..].to_owned();
    state.nonces.insert(
        nonce.clone(),
        Nonce {
            card_type: brand(&number).into(),
            last_four: last_four.clone(),
            month,
            year: if year < 100 { year + 2000 } else { year },
            behaviour,
        },
    );
    Ok(axum::response::IntoResponse::into_response((
        StatusCode::CREATED,
        axum::Json(json!({
            "creditCards": [{"nonce": nonce, "details": {"cardType": brand(&number), "lastFour": last_four}}]
        })),
    )))
}

/// Vault the card behind a nonce (single use) and make it the default.
fn vault(
    state: &mut crate::model::State,
    ctx: &Ctx,
    id: &str,
    data: &Map<String, Value>,
) -> Result<Card, axum::response::Response> {
    let nonce = data
        .get("payment_method_nonce")
        .or_else(|| data.get("nonce"))
        .or_else(|| {
            data.get("credit_card")
                .and_then(|c| c.get("payment_method_nonce"))
        })
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(n) = state.nonces.remove(nonce) else {
        return Err(api_error(
            ctx,
            StatusCode::BAD_REQUEST,
            "braintree api error",
            "91565",
            "payment_method_nonce",
            "Unknown or expired payment_method_nonce.",
            json!({}),
        ));
    };
    if n.behaviour == CardBehaviour::DeclineOnVerify {
        return Err(api_error(
            ctx,
            StatusCode::BAD_REQUEST,
            "braintree api error",
            "2000",
            "credit_card",
            "Do Not Honor",
            json!({"status": "processor_declined", "processor_response_code": "2000", "processor_response_text": "Do Not Honor"}),
        ));
    }
    let now = state.now();
    let books = state.books(id);
    books.customer = true;
    for c in &mut books.cards {
        c.default = false;
    }
    let card = Card {
        id: random_hex(8),
        card_type: n.card_type,
        last_four: n.last_four,
        expiration_month: n.month,
        expiration_year: n.year,
        default: true,
        created: now,
        behaviour: n.behaviour,
    };
    books.cards.push(card.clone());
    state
        .save_books(id)
        .map_err(|e| envelope::datastore_fault(ctx, &e))?;
    Ok(card)
}

/// `braintree_customer:record_to_json/1`: the saved customer, or for an account without one
/// the unsaved placeholder (`new(AccountId)`: no `created_at`, no cards).
fn customer_view(state: &mut crate::model::State, id: &str) -> Value {
    if !state.books(id).has_customer() {
        return json!({"id": id, "credit_cards": [], "addresses": []});
    }
    let now = state.now();
    let created = state.books(id).cards.first().map_or(now, |c| c.created);
    let name = state.name_of(id);
    let today = state.today(id);
    let cards: Vec<Value> = state
        .books(id)
        .cards
        .iter()
        .map(|c| c.view(today))
        .collect();
    let expired = cards
        .iter()
        .any(|c| c["default"] == true && c["expired"] == true);
    json!({"id": id, "company": name, "credit_cards": cards, "addresses": [], "expired_card": expired,
           "created_at": crate::books::gregorian(created), "updated_at": crate::books::gregorian(state.now())})
}

async fn customer(AxState(shared): AxState<Shared>, OnAccount { ctx, id, .. }: OnAccount) -> Reply {
    let mut state = shared.lock();
    Ok(envelope::ok(&ctx, customer_view(&mut state, &id), None))
}

async fn add_via_customer(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    body: Bytes,
) -> Reply {
    let mut state = shared.lock();
    let (data, _) = envelope::request_data(&ctx, &body)?;
    // `braintree_customer:update/1`, which creates the customer on `not_found`; a nonce in the
    // body is vaulted as its card.
    let has_nonce = ["payment_method_nonce", "nonce"]
        .iter()
        .any(|k| data.contains_key(*k))
        || data
            .get("credit_card")
            .is_some_and(|c| c.get("payment_method_nonce").is_some());
    if has_nonce {
        vault(&mut state, &ctx, &id, &data)?;
    } else {
        state.books(&id).customer = true;
        state
            .save_books(&id)
            .map_err(|e| envelope::datastore_fault(&ctx, &e))?;
    }
    Ok(envelope::ok(&ctx, customer_view(&mut state, &id), None))
}

async fn cards(AxState(shared): AxState<Shared>, OnAccount { ctx, id, .. }: OnAccount) -> Reply {
    let mut state = shared.lock();
    if !state.books(&id).has_customer() {
        return Err(no_customer(&ctx));
    }
    let view = customer_view(&mut state, &id);
    Ok(envelope::ok(&ctx, view["credit_cards"].clone(), None))
}

async fn add_card(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    body: Bytes,
) -> Reply {
    let mut state = shared.lock();
    let (data, _) = envelope::request_data(&ctx, &body)?;
    // `braintree_card:create/1` names the account as its customer, which must exist.
    if !state.books(&id).has_customer() {
        return Err(api_error(
            &ctx,
            StatusCode::BAD_REQUEST,
            "braintree api error",
            "91705",
            "customer_id",
            "Customer ID is invalid.",
            json!({}),
        ));
    }
    let card = vault(&mut state, &ctx, &id, &data)?;
    let today = state.today(&id);
    Ok(envelope::success(
        &ctx,
        StatusCode::CREATED,
        card.view(today),
        None,
        Map::new(),
    ))
}

/// `POST /services/topup {amount}` (`cb_services:post/2` with `kz_services_topup:topup/4`):
/// only `amount` is read (`get_topup_amount/1`), so the same request twice charges twice. The
/// answer is `{transaction, ledger}`, or `{ledger}` alone where the platform has no payment
/// bookkeeper; a refusal is `crossbar_services:transaction_to_error/3`'s: 402
/// `no_payment_token` without a card, else a 500 whose message is the bookkeeper's reason and
/// whose data is the failed transaction.
async fn topup(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    body: Bytes,
) -> Reply {
    let mut state = crate::books::open(&shared, &ctx, &id)?;
    state.platform.since_43()?;
    let (data, _) = envelope::request_data(&ctx, &body)?;
    let amount = crate::books::amount_field(
        &ctx,
        &data,
        "required",
        json!({"message": "Field is required but missing"}),
    )?;
    let result = state.topup(&id, amount, "manual");
    state.after_balance_change(&id);
    state
        .save_books(&id)
        .map_err(|e| envelope::datastore_fault(&ctx, &e))?;
    let name = state.name_of(&id);
    let vendor = state.reseller_of(&id);
    let account = (id.as_str(), name.as_str());
    match result {
        Ok((Some(tx), ledger)) => Ok(envelope::ok(
            &ctx,
            json!({"transaction": tx.view(account, &vendor), "ledger": ledger.view(account)}),
            None,
        )),
        Ok((None, ledger)) => Ok(envelope::ok(
            &ctx,
            json!({"ledger": ledger.view(account)}),
            None,
        )),
        Err(None) => Err(envelope::error(
            &ctx,
            StatusCode::PAYMENT_REQUIRED,
            "no_payment_token",
            json!({"message": "no payment method available"}),
        )),
        Err(Some(tx)) => Err(envelope::error(
            &ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            tx.reason.as_deref().unwrap_or("unspecified_fault"),
            tx.view(account, &vendor),
        )),
    }
}
