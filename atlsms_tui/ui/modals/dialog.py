"""Where the dialogs' stylesheet is: one file every dialog loads, so a
dialog looks the same whichever screen opened it first."""

# Textual resolves CSS_PATH against the file of the module that defines the
# screen: the dialogs of this package sit beside it.
CSS_FILE = "dialog.tcss"
