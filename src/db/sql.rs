//! A small builder for raw SQL with positional parameters on either backend (`?` on SQLite, `$n` on
//! PostgreSQL), for the set-based statements sea-orm's query builder does not express.

use sea_orm::{DbBackend, Statement, Value};

pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends SQL text (never user input).
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a bound parameter.
    pub fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.values.push(v.into());
        if self.backend == DbBackend::Postgres {
            let n = self.values.len();
            self.text.push('$');
            self.text.push_str(&n.to_string());
        } else {
            self.text.push('?');
        }
        self
    }

    pub fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_per_backend() {
        let mut pg = Sql::new(DbBackend::Postgres);
        pg.push("a = ").bind(1).push(" AND b = ").bind("x");
        assert_eq!(pg.statement().sql, "a = $1 AND b = $2");
        let mut lite = Sql::new(DbBackend::Sqlite);
        lite.push("a = ").bind(1).push(" AND b = ").bind("x");
        assert_eq!(lite.statement().sql, "a = ? AND b = ?");
    }
}
