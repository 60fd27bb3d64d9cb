//! charm-reactive-status (in progress).
