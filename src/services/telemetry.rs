//! Figures read when Prometheus scrapes: the database pool and the outbox.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::db::entities::outbound_message as outbound;
use crate::domain::message::OutboxStatus;
use crate::error::AppResult;
use crate::metrics::StatusLabels;
use crate::state::AppState;

/// Statuses worth watching: waiting, in flight, given up, to print. (SENT only grows.)
const WATCHED: [OutboxStatus; 4] = [
    OutboxStatus::Queued,
    OutboxStatus::Sending,
    OutboxStatus::Failed,
    OutboxStatus::Letter,
];

/// Updates the gauges, then renders every metric in the Prometheus text format.
pub async fn scrape(state: &AppState) -> AppResult<String> {
    let m = &state.metrics;
    let (size, idle) = crate::db::pool_use(&state.db);
    m.db_pool_connections.set(i64::from(size));
    m.db_pool_idle.set(idle as i64);
    let counts: Vec<(OutboxStatus, i64)> = outbound::Entity::find()
        .select_only()
        .column(outbound::Column::Status)
        .column_as(outbound::Column::Id.count(), "n")
        .filter(outbound::Column::Status.is_in(WATCHED))
        .group_by(outbound::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    for status in WATCHED {
        let n = counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n);
        m.outbox
            .get_or_create(&StatusLabels {
                status: status.as_str(),
            })
            .set(n);
    }
    m.encode().map_err(crate::error::AppError::internal)
}
