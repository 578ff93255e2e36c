#!/bin/sh
# Container entry point: turn FOO_FILE=/run/secrets/foo into FOO=<file contents> for the
# settings that may be secret, then run the command. This is how Docker and Kubernetes secrets
# reach the app without being baked into the image or shown by `docker inspect`.
set -eu
for name in SECRET_KEY DATA_ENCRYPTION_KEYS DATABASE_URL REDIS_URL METRICS_TOKEN BLOG_API_ADMIN_PASSWORD SMTP_PASSWORD; do
  file_var="${name}_FILE"
  eval "file=\${$file_var:-}"
  [ -n "$file" ] || continue
  eval "direct=\${$name:-}"
  if [ -n "$direct" ]; then
    echo "error: both $name and $file_var are set; use one" >&2
    exit 64
  fi
  if [ ! -r "$file" ]; then
    echo "error: $file_var points at $file, which is not a readable file" >&2
    exit 66
  fi
  # Trailing newlines (from `echo > file`) are dropped by the command substitution.
  value="$(cat "$file")"
  export "$name=$value"
  unset "$file_var"
done
exec "$@"
