#!/bin/sh
# A CGI script (RFC 3875), run by egg:Paste#cgi (trowel/cgi).
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
printf 'Hello from a CGI script.\n'
printf 'SCRIPT_NAME=%s\nPATH_INFO=%s\nQUERY_STRING=%s\nREMOTE_ADDR=%s\n' \
  "$SCRIPT_NAME" "$PATH_INFO" "$QUERY_STRING" "$REMOTE_ADDR"
