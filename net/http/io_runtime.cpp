#include "net/http/io_runtime.hpp"

#include "config/log.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <string>
#include <mutex>
#include <optional>
#include <thread>

namespace zega::net {

namespace asio = boost::asio;

struct io_runtime::impl {
  asio::io_context ctx{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
  std::mutex mutex; // serialises start/stop, not the loop

  void run() {
    // A throwing handler must not take the whole io thread (and every connection) down.
    for (;;) {
      try {
        ctx.run();
        return;
      } catch (const std::exception& e) {
        log::error("io", std::string("handler threw: ") + e.what());
      } catch (...) {
        log::error("io", "handler threw a non-standard exception");
      }
    }
  }
};

io_runtime::io_runtime() : impl_(std::make_unique<impl>()) {}

io_runtime::~io_runtime() { stop(); }

void io_runtime::start() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->thread.joinable())
    return;
  impl_->ctx.restart();
  impl_->guard.emplace(impl_->ctx.get_executor());
  impl_->thread = std::thread([i = impl_.get()] { i->run(); });
}

void io_runtime::stop() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->guard.reset();
  impl_->ctx.stop();
  // Called from the io thread itself the join must wait for a later stop() or the destructor.
  if (impl_->thread.joinable() && impl_->thread.get_id() != std::this_thread::get_id())
    impl_->thread.join();
}

void io_runtime::post(std::function<void()> fn) { asio::post(impl_->ctx, std::move(fn)); }

void* io_runtime::native() { return &impl_->ctx; }

} // namespace zega::net
