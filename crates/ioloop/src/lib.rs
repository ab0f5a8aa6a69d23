//! Tornado's event loop on mio (work in progress).
