#include "net/curl_http_client.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace sg::net {

namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

// Bounded so a misbehaving peer cannot make us buffer without limit.
struct BodySink {
  std::string* body;
  std::size_t limit;
  bool overflow = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const std::size_t n = size * count;
  if (sink->body->size() + n > sink->limit) {
    sink->overflow = true;
    return 0;  // anything but n aborts the transfer
  }
  sink->body->append(data, n);
  return n;
}

// The address curl is about to connect to, after DNS: checking it here (rather than the
// host name beforehand) both sees what a name resolved to and pins the call to it.
struct SocketGate {
  const AddressPolicy* policy;
  std::string refusal;  // why the last address was refused; empty when none was
};

curl_socket_t open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* gate = static_cast<SocketGate*>(user);
  std::span<const uint8_t> bytes;
  if (address->family == AF_INET && address->addrlen >= sizeof(sockaddr_in)) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address->addr);
    bytes = {reinterpret_cast<const uint8_t*>(&v4->sin_addr), 4};
  } else if (address->family == AF_INET6 && address->addrlen >= sizeof(sockaddr_in6)) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address->addr);
    bytes = {reinterpret_cast<const uint8_t*>(&v6->sin6_addr), 16};
  }
  if (purpose != CURLSOCKTYPE_IPCXN || bytes.empty()) {
    gate->refusal = "not an IP connection";
    return CURL_SOCKET_BAD;
  }
  if (auto refused = gate->policy->refusal(bytes)) {
    gate->refusal = *refused;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HeaderList build_headers(const Request& request) {
  curl_slist* list = nullptr;
  for (const auto& [name, value] : request.headers) {
    const std::string line = name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  // Without this, curl waits up to a second for "100 Continue" before sending larger bodies.
  list = curl_slist_append(list, "Expect:");
  return HeaderList(list);
}

void set_method(CURL* handle, const Request& request) {
  if (request.method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    return;
  }
  if (request.method != "POST") curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST" || !request.body.empty()) {
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
}

void set_common(CURL* handle, const CurlOptions& options, const Request& request) {
  const Millis connect = request.timeout.count() > 0 ? std::min(options.connect_timeout, request.timeout)
                                                     : options.connect_timeout;
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // signals are unsafe with many threads
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect.count()));
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);  // never carry credentials elsewhere
  curl_easy_setopt(handle, CURLOPT_PROXY, "");  // a proxy would hide the address reached
  curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
}

Error transport_error(CURLcode code, const char* detail, bool overflow) {
  if (overflow) return Error::make(errc::transport, "response body too large");
  std::string message = curl_easy_strerror(code);
  if (detail[0] != '\0') message += std::string(": ") + detail;
  return Error::make(errc::transport, std::move(message));
}

}  // namespace

struct CurlHttpClient::Pool {
  std::mutex mu;
  std::vector<EasyHandle> idle;  // GUARDED_BY(mu)

  EasyHandle take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        EasyHandle handle = std::move(idle.back());
        idle.pop_back();
        return handle;
      }
    }
    return EasyHandle(curl_easy_init());
  }

  // Reset keeps the handle's open connections and caches, which is the point of pooling.
  void give_back(EasyHandle handle, std::size_t max_idle) {
    curl_easy_reset(handle.get());
    std::lock_guard lock(mu);
    if (idle.size() < max_idle) idle.push_back(std::move(handle));
  }
};

CurlHttpClient::CurlHttpClient(CurlOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  init_curl_once();
}

CurlHttpClient::~CurlHttpClient() = default;

Result<Response> CurlHttpClient::send(const Request& request) {
  EasyHandle handle = pool_->take();
  if (!handle) return Error::make(errc::transport, "could not create a curl handle");

  Response response;
  BodySink sink{&response.body, options_.max_response_bytes};
  char detail[CURL_ERROR_SIZE] = "";
  const HeaderList headers = build_headers(request);
  CURL* h = handle.get();
  set_common(h, options_, request);
  set_method(h, request);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
  SocketGate gate{&options_.addresses, {}};
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &gate);

  const CURLcode code = curl_easy_perform(h);
  long status = 0;
  if (code == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  pool_->give_back(std::move(handle), options_.max_idle_handles);

  if (code != CURLE_OK && !gate.refusal.empty()) {
    return Error::make(errc::address_refused, "the host resolves to " + gate.refusal);
  }
  if (code != CURLE_OK) return transport_error(code, detail, sink.overflow);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace sg::net
