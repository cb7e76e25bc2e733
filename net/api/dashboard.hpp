#pragma once
// GET /: the operator console (net/api/console/), as one self-contained document.

namespace zega::net {

const char* dashboard_html();

} // namespace zega::net
