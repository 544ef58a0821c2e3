# Sourced by backup-db and restore-db: turn $DATABASE_URL into a libpq URL without its password.
# The password moves to PGPASSWORD, so it never appears in the process list (`ps`).
# Sets: url (postgresql://user@host:port/db?params), database (its name).

url=$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?(\+[A-Za-z0-9]+)?://#postgresql://#')
rest=${url#postgresql://}
if [[ "$rest" == *@* ]]; then
  userinfo=${rest%%@*}
  if [[ "$userinfo" == *:* ]]; then
    encoded=${userinfo#*:}
    # Passwords in URLs are percent-encoded; libpq wants the plain text in PGPASSWORD.
    PGPASSWORD=$(printf '%b' "${encoded//%/\\x}")
    export PGPASSWORD
    url="postgresql://${userinfo%%:*}@${rest#*@}"
  fi
fi
database=${url##*/}
database=${database%%\?*}
