//! GraphQL enums that mirror domain enums: the GraphQL type carries the descriptions clients read,
//! the domain type the codes and rules; the conversions both ways are exhaustive, so adding a variant
//! to one without the other does not compile.

/// `mirror_enum!( /// doc  ApiName <=> domain::Type { /// doc  Variant, … } )`
#[macro_export]
macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident <=> $domain:path { $($(#[$vdoc:meta])* $v:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, ::async_graphql::Enum)]
        pub enum $name { $($(#[$vdoc])* $v),+ }
        impl From<$name> for $domain {
            fn from(v: $name) -> Self { match v { $($name::$v => <$domain>::$v),+ } }
        }
        impl From<$domain> for $name {
            fn from(v: $domain) -> Self { match v { $(<$domain>::$v => $name::$v),+ } }
        }
    };
}
