//! What a handler function may return.

/// Converts a handler function's return value into the engine's result: `()`
/// always succeeds, a `Result` fails the hook with its error.
pub trait IntoHandlerResult {
    /// The conversion.
    fn into_handler_result(self) -> anyhow::Result<()>;
}

impl IntoHandlerResult for () {
    fn into_handler_result(self) -> anyhow::Result<()> {
        Ok(())
    }
}

impl<E: Into<anyhow::Error>> IntoHandlerResult for Result<(), E> {
    fn into_handler_result(self) -> anyhow::Result<()> {
        self.map_err(Into::into)
    }
}
