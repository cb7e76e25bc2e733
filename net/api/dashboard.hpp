#pragma once
// GET /: a small self-contained dashboard page (status, live job progress over SSE, history).

namespace zega::net {

const char* dashboard_html();

} // namespace zega::net
