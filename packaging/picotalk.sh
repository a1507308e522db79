#!/bin/sh
# /usr/bin/picotalk: the command line client and web page of PicoTalk (picotalk.dll), run on the
# .NET runtime the image installs as /usr/bin/dotnet (Debian packages no .NET runtime, so the
# package cannot depend on one; image/README.md says where it comes from).
if [ ! -x /usr/bin/dotnet ]; then
  echo "picotalk: /usr/bin/dotnet is missing: install the ASP.NET Core runtime 10 (image/README.md, \"The .NET runtime\")" >&2
  exit 127
fi
exec /usr/bin/dotnet /usr/lib/picotalk/picotalk.dll "$@"
