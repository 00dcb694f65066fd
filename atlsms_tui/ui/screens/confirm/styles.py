"""Where the dialogs' stylesheet is (shared with ui/modals)."""

# Resolved against the file of the module that defines the screen: this
# directory, two levels below ui/.
CSS_FILE = "../../modals/dialog.tcss"
