//! The Kazoo account document (`GET/POST/PATCH /v2/accounts/{id}`) with typed access to the
//! settings Account Desk manages. Every other key is carried along untouched.

use crate::json_path;
use crate::numbers_format::{EXCEPTIONS_FIELD, MODE_FIELD};
use crate::{
    AccountId, AccountName, CallerIdPrivacy, Contact, CountryCode, EmailAddress, NumbersFormat,
    PhoneNumber, Realm, Stored, Timezone,
};
use serde_json::{Map, Value};

/// Fields the server computes; it ignores or strips them on input, so we never send them.
const READ_ONLY: &[&str] = &[
    "id",
    "created",
    "enabled",
    "is_reseller",
    "reseller_id",
    "superduper_admin",
    "wnm_allow_additions",
    "billing_mode",
    "notification_preference",
    "trial_time_left",
    "api_key",
    "descendants_count",
];

pub(crate) const TECH_NAME: &str = "contact.technical.name";
pub(crate) const TECH_EMAIL: &str = "contact.technical.email";
pub(crate) const TECH_NUMBER: &str = "contact.technical.number";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocError {
    #[error("the backend sent {0} where an account document (a JSON object) was expected")]
    NotAnObject(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountDoc {
    map: Map<String, Value>,
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Read a string setting and run it through an input rule; anything else is flagged.
fn read_text<T>(v: Option<&Value>, rule: impl FnOnce(&str) -> Stored<T>) -> Stored<T> {
    match v {
        None | Some(Value::Null) => Stored::Missing,
        Some(Value::String(s)) => rule(s),
        Some(other) => Stored::flag(other, format!("is stored as {}, not text", kind_of(other))),
    }
}

/// A document body must be a JSON object.
pub(crate) fn object(v: Value) -> Result<Map<String, Value>, DocError> {
    match v {
        Value::Object(map) => Ok(map),
        other => Err(DocError::NotAnObject(kind_of(&other))),
    }
}

impl AccountDoc {
    pub fn from_value(v: Value) -> Result<Self, DocError> {
        object(v).map(|map| Self { map })
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.map.clone())
    }

    fn get(&self, path: &str) -> Option<&Value> {
        json_path::get(&self.map, path)
    }

    /// The text at `path`, read by `rule`. A value of another type is flagged, and so is a
    /// group of settings on the way to it stored as something else (`"contact": "none"`).
    fn text<T>(&self, path: &str, rule: impl FnOnce(&str) -> Stored<T>) -> Stored<T> {
        let blocked = path.match_indices('.').find_map(|(end, _)| {
            let parent = &path[..end];
            self.get(parent)
                .filter(|v| !v.is_object() && !v.is_null())
                .map(|v| (parent, v))
        });
        match blocked {
            Some((parent, v)) => Stored::flag(
                v,
                format!(
                    "cannot be read: “{parent}” is stored as {}, not a group of settings",
                    kind_of(v)
                ),
            ),
            None => read_text(self.get(path), rule),
        }
    }

    pub fn id(&self) -> Stored<AccountId> {
        self.text("id", |s| match AccountId::parse(s) {
            Ok(id) => Stored::Valid(id),
            Err(e) => Stored::flag(&Value::String(s.into()), e.message),
        })
    }

    pub fn name(&self) -> Stored<AccountName> {
        self.text("name", |s| match AccountName::parse(s) {
            Ok(n) => Stored::Valid(n),
            Err(e) => Stored::flag(&Value::String(s.into()), e.message),
        })
    }

    /// The realm; one stored with upper case or characters DNS refuses is flagged, not fixed.
    pub fn realm(&self) -> Stored<Realm> {
        self.text("realm", |s| match Realm::parse(s) {
            Ok(r) if r.as_str() == s => Stored::Valid(r),
            Ok(_) => Stored::flag(
                &Value::String(s.into()),
                "is stored with upper-case letters or spaces; realms are used in lower case",
            ),
            Err(e) => Stored::flag(&Value::String(s.into()), e.message),
        })
    }

    /// The time zone as stored: any zone chrono-tz knows is valid (even ones the input rules
    /// would refuse), `inherit` means inherited, anything else is flagged.
    pub fn timezone(&self) -> Stored<Timezone> {
        self.text("timezone", |s| {
            if s == "inherit" {
                return Stored::Valid(Timezone::Inherit);
            }
            match s.parse::<chrono_tz::Tz>() {
                Ok(tz) => Stored::Valid(Timezone::Zone(tz)),
                Err(_) => Stored::flag(
                    &Value::String(s.into()),
                    "is not an IANA time zone name (names are case-sensitive, like Europe/Paris)",
                ),
            }
        })
    }

    /// Unset means international, Kazoo's default.
    pub fn numbers_format(&self) -> Stored<NumbersFormat> {
        let exceptions = || -> Result<Vec<String>, String> {
            match self.get(EXCEPTIONS_FIELD) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) if s.len() == 2 && s == &s.to_ascii_uppercase() => {
                            Ok(s.clone())
                        }
                        Value::String(s) => Err(format!(
                            "exception “{s}” is not an upper-case two-letter country code"
                        )),
                        other => Err(format!("exception {other} is not a country code")),
                    })
                    .collect(),
                Some(other) => Err(format!("exceptions are stored as {}", kind_of(other))),
            }
        };
        match self.text(MODE_FIELD, |s| {
            let list = if s == "international_with_exceptions" {
                match exceptions() {
                    Ok(list) => list,
                    Err(problem) => return Stored::flag(&Value::String(s.into()), problem),
                }
            } else {
                Vec::new()
            };
            match NumbersFormat::parse(s, &list) {
                Ok(f) => Stored::Valid(f),
                Err(e) => Stored::flag(&Value::String(s.into()), e.message),
            }
        }) {
            Stored::Missing => Stored::Valid(NumbersFormat::International),
            other => other,
        }
    }

    /// Unset means the platform default.
    pub fn privacy(&self) -> Stored<CallerIdPrivacy> {
        match self.text(crate::privacy::FIELD, |s| match CallerIdPrivacy::parse(s) {
            Ok(p) => Stored::Valid(p),
            Err(e) => Stored::flag(&Value::String(s.into()), e.message),
        }) {
            Stored::Missing => Stored::Valid(CallerIdPrivacy::Default),
            other => other,
        }
    }

    pub fn technical_name(&self) -> Stored<String> {
        self.text(TECH_NAME, |s| Stored::Valid(s.to_owned()))
    }

    pub fn technical_email(&self) -> Stored<EmailAddress> {
        self.text(TECH_EMAIL, |s| {
            if s.trim().is_empty() {
                return Stored::Missing;
            }
            match EmailAddress::parse(TECH_EMAIL, s) {
                Ok(e) => Stored::Valid(e),
                Err(e) => Stored::flag(&Value::String(s.into()), e.message),
            }
        })
    }

    /// The technical contact's phone, read with the account's own country rules.
    pub fn technical_number(&self) -> Stored<PhoneNumber> {
        let home = self.home_country();
        self.text(TECH_NUMBER, |s| {
            if s.trim().is_empty() {
                return Stored::Missing;
            }
            match PhoneNumber::parse(TECH_NUMBER, s, home) {
                Ok(n) => Stored::Valid(n),
                Err(e) => Stored::flag(&Value::String(s.into()), e.message),
            }
        })
    }

    /// The country whose numbering rules apply to this account's national numbers: the billing
    /// address country, else the country of its time zone, else the region of its language.
    pub fn home_country(&self) -> Option<CountryCode> {
        let text = |p: &str| self.get(p).and_then(Value::as_str);
        text("contact.billing.country")
            .and_then(|c| CountryCode::parse("country", c).ok())
            .or_else(|| match self.timezone() {
                Stored::Valid(Timezone::Zone(tz)) => CountryCode::of_zone(tz),
                _ => None,
            })
            .or_else(|| {
                text("language")
                    .and_then(|l| l.split(['-', '_']).nth(1))
                    .and_then(|r| CountryCode::parse("country", r).ok())
            })
    }

    pub fn is_reseller(&self) -> bool {
        self.get("is_reseller").and_then(Value::as_bool) == Some(true)
    }

    pub fn set_name(&mut self, name: &AccountName) {
        json_path::set(&mut self.map, "name", name.as_str().into());
    }

    pub fn set_realm(&mut self, realm: &Realm) {
        json_path::set(&mut self.map, "realm", realm.as_str().into());
    }

    pub fn set_timezone(&mut self, tz: Timezone) {
        json_path::set(&mut self.map, "timezone", tz.as_kazoo().into());
    }

    /// Write the mode; the exception list only exists in the exceptions mode.
    pub fn set_numbers_format(&mut self, format: &NumbersFormat) {
        json_path::set(&mut self.map, MODE_FIELD, format.mode_name().into());
        match format {
            NumbersFormat::InternationalWithExceptions(codes) => {
                let list = codes.iter().map(|c| Value::from(c.as_str())).collect();
                json_path::set(&mut self.map, EXCEPTIONS_FIELD, Value::Array(list));
            }
            _ => json_path::remove(&mut self.map, EXCEPTIONS_FIELD),
        }
    }

    /// Default removes the key (and `caller_id_options` if that leaves it empty), like Monster UI.
    pub fn set_privacy(&mut self, privacy: CallerIdPrivacy) {
        match privacy.as_kazoo() {
            Some(v) => json_path::set(&mut self.map, crate::privacy::FIELD, v.into()),
            None => json_path::remove(&mut self.map, crate::privacy::FIELD),
        }
    }

    /// Empty parts of the contact are removed rather than stored as empty strings.
    pub fn set_technical_contact(&mut self, contact: &Contact) {
        let mut put = |path: &str, v: Option<&str>| match v {
            Some(v) if !v.is_empty() => json_path::set(&mut self.map, path, v.into()),
            _ => json_path::remove(&mut self.map, path),
        };
        put(TECH_NAME, Some(contact.name.as_str()));
        put(TECH_EMAIL, contact.email.as_ref().map(EmailAddress::as_str));
        put(TECH_NUMBER, contact.number.as_ref().map(PhoneNumber::e164));
    }

    /// The document as the client sends it in a POST: everything but server-computed and
    /// private keys, which the server would ignore or reject.
    pub fn outgoing(&self) -> Value {
        Value::Object(strip(&self.map, READ_ONLY))
    }

    /// The PATCH body that turns `self` into `edited`: only what changed, `null` for removals.
    pub fn patch_to(&self, edited: &AccountDoc) -> Value {
        Value::Object(json_path::diff(
            &strip(&self.map, READ_ONLY),
            &strip(&edited.map, READ_ONLY),
        ))
    }
}

pub(crate) fn strip(map: &Map<String, Value>, read_only: &[&str]) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| {
            !(k.starts_with('_') || k.starts_with("pvt_") || read_only.contains(&k.as_str()))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> AccountDoc {
        AccountDoc::from_value(v).unwrap()
    }

    #[test]
    fn rejects_non_objects_clearly() {
        let e = AccountDoc::from_value(json!([1])).unwrap_err();
        assert!(e.to_string().contains("a list"));
    }

    #[test]
    fn legacy_values_load_flagged_not_failed() {
        let d = doc(json!({
            "name": "Legacy",
            "realm": "Legacy_Imports.SIP.example.net",
            "timezone": "Mars/Olympus",
            "contact": {"technical": {"number": "555-CALL-NOW", "email": "ops at legacy"}},
            "ui_flags": {"numbers_format": "international_with_exceptions", "numbers_format_exceptions": ["us"]},
            "caller_id_options": {"outbound_privacy": "everything"}
        }));
        assert!(d.realm().problem().is_some());
        assert!(d.timezone().problem().is_some());
        assert!(d.technical_number().problem().is_some());
        assert!(d.technical_email().problem().is_some());
        assert!(d.numbers_format().problem().unwrap().contains("upper-case"));
        assert!(d.privacy().problem().is_some());
        assert_eq!(
            d.name(),
            Stored::Valid(AccountName::parse("Legacy").unwrap())
        );
        let upper = doc(json!({"realm": "ACME.example.com"}));
        assert!(upper.realm().problem().unwrap().contains("upper-case"));
        assert!(matches!(
            doc(json!({"realm": 7})).realm(),
            Stored::Flagged { .. }
        ));
    }

    #[test]
    fn defaults_when_unset() {
        let d = doc(json!({"name": "x"}));
        assert_eq!(
            d.numbers_format(),
            Stored::Valid(NumbersFormat::International)
        );
        assert_eq!(d.privacy(), Stored::Valid(CallerIdPrivacy::Default));
        assert_eq!(d.timezone(), Stored::Missing);
    }

    #[test]
    fn home_country_prefers_billing_then_zone_then_language() {
        let d = doc(json!({"timezone": "Europe/Paris", "language": "en-US"}));
        assert_eq!(d.home_country().unwrap().as_str(), "FR");
        let d = doc(json!({"timezone": "Europe/Paris", "contact": {"billing": {"country": "de"}}}));
        assert_eq!(d.home_country().unwrap().as_str(), "DE");
        let d = doc(json!({"language": "en-GB"}));
        assert_eq!(d.home_country().unwrap().as_str(), "GB");
    }

    #[test]
    fn setters_touch_only_their_keys() {
        let original = json!({
            "name": "A", "realm": "a.example.com", "custom": {"x": [1, 2.5, "y"]},
            "caller_id_options": {"outbound_privacy": "name"},
            "ui_flags": {"numbers_format": "international_with_exceptions", "numbers_format_exceptions": ["FR"], "colorblind": true},
        });
        let mut d = doc(original.clone());
        d.set_privacy(CallerIdPrivacy::Default);
        d.set_numbers_format(&NumbersFormat::National);
        let v = d.to_value();
        assert_eq!(
            v.get("caller_id_options"),
            None,
            "empty caller_id_options pruned"
        );
        assert_eq!(
            v["ui_flags"],
            json!({"numbers_format": "national", "colorblind": true})
        );
        assert_eq!(v["custom"], original["custom"]);
        assert_eq!(
            doc(original).patch_to(&d),
            json!({"caller_id_options": null, "ui_flags": {"numbers_format": "national", "numbers_format_exceptions": null}})
        );
    }

    #[test]
    fn outgoing_drops_server_fields() {
        let d = doc(
            json!({"id": "x", "name": "A", "pvt_tree": [], "_rev": "1", "billing_mode": "manual", "enabled": true}),
        );
        assert_eq!(d.outgoing(), json!({"name": "A"}));
    }
}
