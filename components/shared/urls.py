"""URLs as the checks and messages handle them: the `user:password@` part split off at the URL's
last `@` (never shown, sent as Basic auth), and what makes a URL unusable for a request."""

from __future__ import annotations

import base64
import re
import urllib.parse


def lower_outside_userinfo(url: str) -> str:
    scheme, userinfo, rest = _userinfo_parts(url)
    return scheme.lower() + (userinfo + "@" if userinfo is not None else "") + rest.lower()


def _userinfo_parts(url: str) -> tuple[str, str | None, str]:
    """(`scheme://` or "", the text between it and the URL's last `@` or None, the rest).

    The last `@`, wherever it is: a password holding `/`, `?` or `#` unencoded makes a URL parser
    end the authority inside it, so only this split never leaves part of a password elsewhere.
    """
    match = re.fullmatch(r"(?s)([A-Za-z][A-Za-z0-9+.-]*://)?(.*)", url)
    assert match is not None  # the pattern matches any text
    scheme, rest = match.group(1) or "", match.group(2)
    if "@" not in rest:
        return scheme, None, rest
    userinfo, _, rest = rest.rpartition("@")
    return scheme, userinfo, rest


def url_userinfo(url: str) -> str | None:
    """The `user:password` a URL is written with (the text between `://` and its last `@`, not
    decoded), or None when it has none."""
    return _userinfo_parts(url)[1]


def userinfo_problem(url: str) -> str | None:
    """Why the `@` of `url` cannot be told apart (as a phrase, never quoting the URL), or None.

    An `@` after the host (in the path, query or `#` part) means either a password holding an
    unencoded `/`, `?` or `#`, which URL parsers (this one, faas-cli's, urllib3's) end the host
    at, so the password would be sent as the host or path; or an `@` meant for the path. Both
    are refused: the fix is the same, percent-encoding.
    """
    userinfo = url_userinfo(url)
    if userinfo is None or not re.search(r"[/?#]", userinfo):
        return None
    return (
        "has an '@' after its host (in the path, query or '#' part), so a password before it would be "
        "read as host or path: percent-encode '/', '?', '#' and '@' in the user name and password "
        "(%2F %3F %23 %40), e.g. http://admin:pa%2Fss@gateway:8080, and write an '@' in the path or "
        "query as %40"
    )


def split_userinfo(url: str) -> tuple[str, str | None]:
    """(the URL without `user:password@`, `user:password` percent-decoded, or None).

    Split at the URL's last `@`, so a URL that `userinfo_problem` refuses keeps no password.
    """
    scheme, userinfo, rest = _userinfo_parts(url)
    if userinfo is None:
        return url, None
    user, _, password = userinfo.partition(":")
    return scheme + rest, f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"


def without_userinfo(url: str) -> str:
    """The URL with everything between `scheme://` and its last `@` removed, for messages."""
    return split_userinfo(url)[0]


def basic_auth(credentials: str) -> str:
    """The Authorization header value for `user:password`."""
    return "Basic " + base64.b64encode(credentials.encode("utf-8")).decode("ascii")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be requested (as a phrase: "has a space ..."), or None when it can."""
    if re.search(r"[\x00-\x1f\x7f]", url):
        return "holds a control character (a line break or tab, say); remove it"
    if " " in url:
        return "holds a space; write it as %20"
    if not url.isascii():
        return "holds a character that is not ASCII; percent-encode it (UTF-8)"
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as error:
        if "port" in str(error).lower():
            return "has a port that is not a number from 1 to 65535"
        return "is not a valid URL (an unclosed '[' in the host?)"
    if parts.scheme not in ("http", "https"):
        return "is not an http:// or https:// URL"
    if not parts.hostname:
        return "has no host name"
    if port is not None and not 1 <= port <= 65535:
        return "has a port that is not a number from 1 to 65535"
    if re.search(r":[^\]:]*$", parts.netloc.rpartition("@")[2]) and port is None:
        return "has a ':' after the host but no port number"
    if parts.fragment:
        return "has a '#' part, which is never sent; remove it (or write '#' as %23)"
    return None
