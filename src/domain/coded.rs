//! Enums stored and exchanged as fixed codes (`"ADMIN"`, `"END_DATE"`). `coded_enum!` gives each its
//! codes in one place: `as_str`, `FromStr` (an unknown code is an [`UnknownCode`] error, never a
//! silent default), `Display` and `ALL`. The database layer maps these types to text columns, so a
//! column holds one Rust type from the row to the API.

/// A code that names no variant: a row written by another version, or a typo in a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCode {
    /// What kind of code it was meant to be, e.g. `role`.
    pub kind: &'static str,
    pub code: String,
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} `{}`", self.kind, self.code)
    }
}

impl std::error::Error for UnknownCode {}

/// `coded_enum! { /// doc  pub enum Role as "role" { Member = "MEMBER", … } }`
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $kind:literal {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and used in the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownCode;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    other => Err($crate::domain::UnknownCode {
                        kind: $kind,
                        code: other.chars().take(64).collect(),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    coded_enum! {
        /// A test enum.
        pub enum Colour as "colour" { Red = "RED", Green = "GREEN" }
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_errors() {
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>(), Ok(*c));
            assert_eq!(c.to_string(), c.as_str());
        }
        let err = "BLUE".parse::<Colour>().unwrap_err();
        assert_eq!(err.to_string(), "unknown colour `BLUE`");
        assert!("red".parse::<Colour>().is_err(), "codes are exact");
    }
}
