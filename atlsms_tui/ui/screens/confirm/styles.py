"""Where the dialogs' stylesheet is."""

# Textual resolves CSS_PATH against the file of the module that defines the
# screen: every dialog module sits in this directory, two levels below ui/.
CSS_FILE = "../../compose.tcss"
