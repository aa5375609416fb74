"""A reference terminal outside the domain apps: it speaks to Civicard only through the
terminal protocol (docs/terminals.md), as a vendor's reader would."""
