//! The process-wide translations behind the module-level functions.

use std::sync::{LazyLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::Translations;

static GLOBAL: LazyLock<RwLock<Translations>> = LazyLock::new(|| RwLock::new(Translations::new()));

/// Reads the process-wide translations. A panic while another thread held
/// the lock cannot leave them half-updated (every update swaps in complete
/// tables), so a poisoned lock is still safe to read.
pub(crate) fn read() -> RwLockReadGuard<'static, Translations> {
    GLOBAL.read().unwrap_or_else(PoisonError::into_inner)
}

/// Writes the process-wide translations.
pub(crate) fn write() -> RwLockWriteGuard<'static, Translations> {
    GLOBAL.write().unwrap_or_else(PoisonError::into_inner)
}
