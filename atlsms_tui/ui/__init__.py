"""The Textual TUI. Kept free of imports so `atlsms-tui send` never loads Textual."""
