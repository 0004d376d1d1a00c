"""A small read-only web view of the sandbox's state, served by `oint sandbox serve` under
`/__sandbox/`: plain server-rendered HTML, no JavaScript.

- `views.py`: what each page shows, as frozen data;
- `data.py`: the seam to the model, one function per page reading its rows from the store;
- `pages.py`: pure renderers from that data to HTML (everything escaped);
- `serve.py`: which GET requests are pages (`wants`), the admin-token guard, and `answer`.
"""

from __future__ import annotations

from oint.sandbox.web.serve import answer, wants

__all__ = ["answer", "wants"]
