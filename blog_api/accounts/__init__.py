"""accounts domain: email verification, password reset, TOTP two-factor."""
