use crate::FieldError;

pub(crate) const FIELD: &str = "caller_id_options.outbound_privacy";

/// What outgoing off-net calls hide (`caller_id_options.outbound_privacy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallerIdPrivacy {
    /// Key absent: the platform default applies.
    #[default]
    Default,
    None,
    Name,
    Number,
    Full,
}

impl CallerIdPrivacy {
    pub const ALL: [CallerIdPrivacy; 5] = [
        CallerIdPrivacy::Default,
        CallerIdPrivacy::None,
        CallerIdPrivacy::Name,
        CallerIdPrivacy::Number,
        CallerIdPrivacy::Full,
    ];

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        match input.trim() {
            "" | "default" | "inherit" => Ok(CallerIdPrivacy::Default),
            "none" => Ok(CallerIdPrivacy::None),
            "name" => Ok(CallerIdPrivacy::Name),
            "number" => Ok(CallerIdPrivacy::Number),
            "full" => Ok(CallerIdPrivacy::Full),
            other => Err(FieldError::new(
                FIELD,
                format!("“{other}” is not a privacy option; use none, name, number or full"),
            )),
        }
    }

    /// The stored value; `None` means the key is removed (inherit the platform default).
    pub fn as_kazoo(&self) -> Option<&'static str> {
        match self {
            CallerIdPrivacy::Default => None,
            CallerIdPrivacy::None => Some("none"),
            CallerIdPrivacy::Name => Some("name"),
            CallerIdPrivacy::Number => Some("number"),
            CallerIdPrivacy::Full => Some("full"),
        }
    }

    pub fn key(&self) -> &'static str {
        self.as_kazoo().unwrap_or("default")
    }

    pub fn label(&self) -> &'static str {
        match self {
            CallerIdPrivacy::Default => "Default (platform setting)",
            CallerIdPrivacy::None => "Hide nothing",
            CallerIdPrivacy::Name => "Hide name",
            CallerIdPrivacy::Number => "Hide number",
            CallerIdPrivacy::Full => "Hide name and number",
        }
    }

    pub fn warning(&self) -> Option<&'static str> {
        match self {
            CallerIdPrivacy::Full => Some(
                "Calls that hide both name and number may be rejected by the receiving PBX or by \
                 call-screening software.",
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_option() {
        for p in CallerIdPrivacy::ALL {
            assert_eq!(
                CallerIdPrivacy::parse(p.as_kazoo().unwrap_or("")).unwrap(),
                p
            );
        }
        assert_eq!(
            CallerIdPrivacy::parse("inherit").unwrap(),
            CallerIdPrivacy::Default
        );
        assert_eq!(CallerIdPrivacy::parse("all").unwrap_err().field, FIELD);
    }

    #[test]
    fn warns_only_when_hiding_both() {
        assert!(CallerIdPrivacy::Full.warning().is_some());
        assert!(CallerIdPrivacy::Name.warning().is_none());
    }
}
