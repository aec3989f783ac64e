//! The settings Account Desk edits, each named once: the Kazoo path it is stored at, the label a
//! user reads, and how what the user typed becomes the value Kazoo stores. Forms, live checks,
//! pending lists, conflict views and error messages all name a setting through here.

use crate::{
    AccountName, CallerIdPrivacy, ContactName, CountryCode, EmailAddress, FieldError, PhoneNumber,
    Realm, Timezone, TrunkLimits,
};
use serde_json::Value;

/// One setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field {
    /// The dotted path in the Kazoo document (`contact.technical.email`), as errors name it.
    pub path: &'static str,
    pub label: &'static str,
}

const fn field(path: &'static str, label: &'static str) -> Field {
    Field { path, label }
}

impl Field {
    pub const ID: Field = field("id", "Account ID");
    pub const NAME: Field = field("name", "Account name");
    pub const REALM: Field = field("realm", "Account realm");
    pub const TIMEZONE: Field = field("timezone", "Timezone");
    pub const NUMBERS_FORMAT: Field = field("ui_flags.numbers_format", "Phone numbers format");
    pub const NUMBERS_FORMAT_EXCEPTIONS: Field = field(
        "ui_flags.numbers_format_exceptions",
        "Countries shown in national format",
    );
    pub const PRIVACY: Field = field("caller_id_options.outbound_privacy", "Caller-ID privacy");
    pub const TECH_NAME: Field = field("contact.technical.name", "Technical contact name");
    pub const TECH_EMAIL: Field = field("contact.technical.email", "Technical contact e-mail");
    pub const TECH_NUMBER: Field = field("contact.technical.number", "Technical contact phone");
    pub const INBOUND_TRUNKS: Field = field("inbound_trunks", "Inbound trunks");
    pub const OUTBOUND_TRUNKS: Field = field("outbound_trunks", "Outbound trunks");
    pub const TWOWAY_TRUNKS: Field = field("twoway_trunks", "Two-way trunks");

    /// The trunk counts of `/limits`, in form order.
    pub const TRUNKS: [Field; 3] = [
        Self::INBOUND_TRUNKS,
        Self::OUTBOUND_TRUNKS,
        Self::TWOWAY_TRUNKS,
    ];

    /// Every setting, in the order the screens show them.
    pub const ALL: [Field; 13] = [
        Self::ID,
        Self::NAME,
        Self::REALM,
        Self::TIMEZONE,
        Self::NUMBERS_FORMAT,
        Self::NUMBERS_FORMAT_EXCEPTIONS,
        Self::PRIVACY,
        Self::TECH_NAME,
        Self::TECH_EMAIL,
        Self::TECH_NUMBER,
        Self::INBOUND_TRUNKS,
        Self::OUTBOUND_TRUNKS,
        Self::TWOWAY_TRUNKS,
    ];

    pub fn by_path(path: &str) -> Option<Field> {
        Self::ALL.into_iter().find(|f| f.path == path)
    }

    /// The value Kazoo stores for what the user typed in this setting's input (`None`: the key
    /// is removed), or what is wrong with it. `home` is the account's country, for national
    /// phone numbers. Settings typed in more than one input (the numbers format and its
    /// exceptions) and the ID are not set on their own.
    pub fn parse(
        self,
        typed: &str,
        home: Option<CountryCode>,
    ) -> Result<Option<Value>, FieldError> {
        let optional = |parse: &dyn Fn(&str) -> Result<Value, FieldError>| {
            if typed.trim().is_empty() {
                Ok(None)
            } else {
                parse(typed).map(Some)
            }
        };
        match self {
            Self::NAME => AccountName::parse(typed).map(|n| Some(n.as_str().into())),
            Self::REALM => Realm::parse(typed).map(|r| Some(r.as_str().into())),
            Self::TIMEZONE => Timezone::parse(typed).map(|t| Some(t.as_kazoo().into())),
            Self::PRIVACY => CallerIdPrivacy::parse(typed).map(|p| p.as_kazoo().map(Value::from)),
            Self::TECH_NAME => ContactName::parse(self.path, typed)
                .map(|n| Some(n.as_str()).filter(|n| !n.is_empty()).map(Value::from)),
            Self::TECH_EMAIL => {
                optional(&|t| EmailAddress::parse(self.path, t).map(|e| e.as_str().into()))
            }
            Self::TECH_NUMBER => {
                optional(&|t| PhoneNumber::parse(self.path, t, home).map(|n| n.e164().into()))
            }
            Self::INBOUND_TRUNKS | Self::OUTBOUND_TRUNKS | Self::TWOWAY_TRUNKS => {
                TrunkLimits::parse_count(self.path, typed).map(|n| Some(n.into()))
            }
            other => Err(FieldError::new(
                other.path,
                "is not a setting that can be set on its own",
            )),
        }
    }
}

/// The label a user sees for a Kazoo field path (the path itself for one this app does not
/// name).
pub fn field_label(path: &str) -> &str {
    Field::by_path(path).map_or(path, |f| f.label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_setting_is_found_by_its_path_and_named() {
        for f in Field::ALL {
            assert_eq!(Field::by_path(f.path), Some(f));
            assert_eq!(field_label(f.path), f.label);
        }
        assert_eq!(
            field_label("music_on_hold.media_id"),
            "music_on_hold.media_id"
        );
    }

    #[test]
    fn typed_values_become_kazoo_values_and_errors_name_the_path() {
        let us = CountryCode::parse("country", "US").ok();
        assert_eq!(Field::NAME.parse(" Acme ", None), Ok(Some(json!("Acme"))));
        assert_eq!(Field::TIMEZONE.parse("", None), Ok(Some(json!("inherit"))));
        assert_eq!(
            Field::TECH_EMAIL.parse("  ", None),
            Ok(None),
            "emptied: removed"
        );
        assert_eq!(
            Field::TECH_NUMBER.parse("(415) 555-0100", us),
            Ok(Some(json!("+14155550100")))
        );
        assert_eq!(Field::OUTBOUND_TRUNKS.parse("3", None), Ok(Some(json!(3))));
        let e = Field::TECH_EMAIL.parse("not an address", None).unwrap_err();
        assert_eq!(e.field, "contact.technical.email");
        assert_eq!(
            Field::NUMBERS_FORMAT
                .parse("international", None)
                .unwrap_err()
                .field,
            "ui_flags.numbers_format"
        );
    }
}
