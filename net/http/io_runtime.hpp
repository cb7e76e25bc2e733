#pragma once
// One io_context and the thread that runs it, shared by the HTTP server and the outbound
// client. Pimpl keeps Asio out of every header.

#include <functional>
#include <memory>

namespace zega::net {

class io_runtime {
public:
  io_runtime();
  ~io_runtime(); // stops the loop and joins the thread
  io_runtime(const io_runtime&) = delete;
  io_runtime& operator=(const io_runtime&) = delete;

  // Starts the io thread (idempotent).
  void start();
  // Stops the loop and joins the thread; pending handlers are dropped.
  void stop();
  // Runs `fn` on the io thread.
  void post(std::function<void()> fn);

  // The underlying boost::asio::io_context, as void* so headers stay Asio-free.
  void* native();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace zega::net
