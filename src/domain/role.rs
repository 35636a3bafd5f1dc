//! Roles of logins and what each may do.

coded_enum! {
    /// ADMIN may do everything; STAFF works with people and money but not settings; MEMBER sees their
    /// own data. Ordered by power.
    #[derive(PartialOrd, Ord)]
    pub enum Role as "role" {
        Member = "MEMBER",
        Staff = "STAFF",
        Admin = "ADMIN",
    }
}

impl Role {
    /// Whether this role includes everything `required` may do.
    pub fn at_least(self, required: Role) -> bool {
        self >= required
    }
}

/// Password rules (NIST SP 800-63B): a minimum length, a generous maximum, nothing else imposed.
pub fn check_password(
    password: &str,
    min_len: usize,
    field: &str,
) -> Result<(), super::FieldError> {
    let len = password.chars().count();
    if len < min_len {
        return Err(super::FieldError::new(
            field,
            format!("must be at least {min_len} characters"),
        ));
    }
    if len > 256 {
        return Err(super::FieldError::new(
            field,
            "must be at most 256 characters",
        ));
    }
    if password.trim().is_empty() {
        return Err(super::FieldError::new(field, "must not be only spaces"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering() {
        assert!(Role::Admin.at_least(Role::Staff));
        assert!(Role::Staff.at_least(Role::Staff));
        assert!(!Role::Member.at_least(Role::Staff));
        assert_eq!("STAFF".parse::<Role>(), Ok(Role::Staff));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn passwords() {
        assert!(check_password("short", 10, "password").is_err());
        assert!(check_password("long enough pass", 10, "password").is_ok());
        assert!(check_password("           ", 10, "password").is_err());
    }
}
