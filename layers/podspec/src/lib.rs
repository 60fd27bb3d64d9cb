//! charm-reactive-podspec (in progress).
