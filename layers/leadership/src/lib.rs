//! charm-reactive-leadership (in progress).
