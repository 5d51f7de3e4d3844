#include "events/functions.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "events/record.h"
#include "processor/processor.h"

extern char** environ;

namespace events {
namespace {

using Clock = std::chrono::steady_clock;

std::string md5_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::expected<std::string, std::string> read_all(store::Store& store, const std::string& bucket, const std::string& key) {
  auto object = store.get_object(bucket, key);
  if (!object) return std::unexpected(std::string(object.error().code_name()) + ": " + object.error().effective_message());
  auto& [meta, reader] = *object;
  // The whole original is held in memory (as the Lambda does): refuse what no avatar
  // upload is, rather than let one huge object take the server's memory.
  constexpr std::int64_t kMaxSourceBytes = 256 * 1024 * 1024;
  if (meta.size > kMaxSourceBytes)
    return std::unexpected("the object is " + std::to_string(meta.size) + " bytes, over the builtin's limit of " +
                           std::to_string(kMaxSourceBytes) + " (256 MiB)");
  std::string bytes(static_cast<std::size_t>(meta.size), '\0');
  std::int64_t offset = 0;
  while (offset < meta.size) {
    auto n = reader.read(offset, bytes.data() + offset, static_cast<std::size_t>(meta.size - offset));
    if (!n) return std::unexpected(n.error().effective_message());
    if (*n == 0) return std::unexpected("the body ended early");
    offset += static_cast<std::int64_t>(*n);
  }
  return bytes;
}

// A handler may exit without reading stdin; writing then raises SIGPIPE, which would kill
// a process that does not ignore it (serve does; tests and `invoke` need not). Block it for
// this thread around the write and discard the pending one, so the write just fails (EPIPE).
ssize_t write_no_sigpipe(int fd, const char* data, std::size_t size) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t n = ::write(fd, data, size);
  int saved = errno;
  if (n < 0 && errno == EPIPE) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return n;
}

std::string tail(const std::string& text, std::size_t max) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

}  // namespace

ImageProcessorFunction::ImageProcessorFunction(store::Store& store, std::map<std::string, std::string> environment,
                                               WriteHook on_write)
    : store_(store), environment_(std::move(environment)), on_write_(std::move(on_write)) {}

InvokeResult ImageProcessorFunction::invoke(const std::string& event_json, const InvokeContext& context) {
  auto env = [this](std::string_view name) -> std::optional<std::string> {
    auto it = environment_.find(std::string(name));
    if (it == environment_.end()) return std::nullopt;
    return it->second;
  };
  auto spec = processor::spec_from_env(env);
  if (!spec) return std::unexpected("configuration: " + spec.error());
  std::string dest_bucket = env("DEST_BUCKET_NAME").value_or("");
  if (dest_bucket.empty()) return std::unexpected("configuration: DEST_BUCKET_NAME is not set");
  std::string folder = env("FOLDER_OUTPUT").value_or("");
  while (!folder.empty() && folder.back() == '/') folder.pop_back();

  nlohmann::json event = nlohmann::json::parse(event_json, nullptr, false);
  if (event.is_discarded() || !event.is_object() || !event.contains("Records") || !event["Records"].is_array())
    return std::unexpected("the event is not an S3 event (no Records array)");

  nlohmann::json outputs = nlohmann::json::array();
  std::string errors;
  for (std::size_t i = 0; i < event["Records"].size(); ++i) {
    const auto& record = event["Records"][i];
    std::string source_bucket = record.value("/s3/bucket/name"_json_pointer, std::string());
    std::string encoded_key = record.value("/s3/object/key"_json_pointer, std::string());
    std::string key = decode_key(encoded_key);
    std::string where = "record " + std::to_string(i) + " (" + source_bucket + "/" + key + "): ";
    auto fail = [&](const std::string& why) { errors += (errors.empty() ? "" : "; ") + where + why; };
    if (source_bucket.empty() || encoded_key.empty()) {
      fail("no s3.bucket.name / s3.object.key");
      continue;
    }
    auto bytes = read_all(store_, source_bucket, key);
    if (!bytes) {
      fail(bytes.error());
      continue;
    }
    auto started = Clock::now();
    auto image = processor::process(*bytes, *spec);
    double process_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    if (!image) {
      fail(std::string(processor::to_string(image.error().code)) + ": " + image.error().message);
      continue;
    }
    std::string stem = std::filesystem::path(key).stem().string();
    std::string dest_key = (folder.empty() ? "" : folder + "/") + stem + "." + std::string(processor::extension(image->format));

    auto blob = store_.new_blob();
    if (!blob) {
      fail(blob.error().effective_message());
      continue;
    }
    if (auto ok = blob->write(image->bytes); !ok) {
      fail(ok.error().effective_message());
      continue;
    }
    store::ObjectMeta meta;
    meta.bucket = dest_bucket;
    meta.key = dest_key;
    meta.etag = md5_hex(image->bytes);
    meta.content_type = std::string(processor::mime_type(image->format));
    auto committed = store_.commit_object(std::move(meta), std::move(*blob));
    if (!committed) {
      fail("writing " + dest_bucket + "/" + dest_key + ": " + std::string(committed.error().code_name()) + ": " +
           committed.error().effective_message());
      continue;
    }
    if (on_write_) on_write_(*committed, context);
    outputs.push_back({{"bucket", dest_bucket},
                       {"key", dest_key},
                       {"width", image->width},
                       {"height", image->height},
                       {"bytes", image->bytes.size()},
                       {"process_ms", process_ms}});
  }
  if (!errors.empty()) return std::unexpected(errors);
  return nlohmann::json{{"outputs", outputs}}.dump();
}

namespace {

// Node: dns.lookup is what net.connect (and so http, the SDK's handler and fetch) calls;
// answering localhost names here needs no root, no /etc/hosts entry per bucket, and no
// change to the handler.
constexpr const char* kResolveLocalhost = R"js(// Written by minicloud: resolve localhost and *.localhost to the loopback address
// (RFC 6761), so SDKs that address buckets as http://BUCKET.localhost:PORT reach minicloud.
"use strict";
const dns = require("dns");
const isLocal = (host) => typeof host === "string" && (host === "localhost" || host.endsWith(".localhost"));
const answer = (options) => {
  const family = options && options.family === 6 ? 6 : 4;
  return { address: family === 6 ? "::1" : "127.0.0.1", family };
};
const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  if (!isLocal(hostname)) return lookup.apply(this, arguments);
  if (typeof options === "function") [callback, options] = [options, {}];
  if (typeof options === "number") options = { family: options };
  const a = answer(options);
  if (options && options.all) process.nextTick(callback, null, [a]);
  else process.nextTick(callback, null, a.address, a.family);
  return {};
};
const promiseLookup = dns.promises.lookup;
dns.promises.lookup = function (hostname, options) {
  if (!isLocal(hostname)) return promiseLookup.apply(this, arguments);
  if (typeof options === "number") options = { family: options };
  const a = answer(options);
  return Promise.resolve(options && options.all ? [a] : a);
};
)js";

std::expected<void, std::string> write_file(const std::filesystem::path& path, const std::string& content) {
  auto temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) return std::unexpected("cannot write " + temp.string());
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return std::unexpected("cannot write " + path.string() + ": " + ec.message());
  return {};
}

}  // namespace

std::string depth_token(int depth) { return "minicloud-depth-" + std::to_string(depth); }

int depth_from_token(std::string_view token) {
  constexpr std::string_view kPrefix = "minicloud-depth-";
  if (!token.starts_with(kPrefix)) return 0;
  token.remove_prefix(kPrefix.size());
  int depth = 0;
  for (char c : token) {
    if (c < '0' || c > '9' || depth > 100000) return 0;
    depth = depth * 10 + (c - '0');
  }
  return depth;
}

std::expected<void, std::string> write_command_support(const std::filesystem::path& dir, const std::string& region) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected("cannot create " + dir.string() + ": " + ec.message());
  if (auto ok = write_file(dir / "resolve-localhost.cjs", kResolveLocalhost); !ok) return ok;
  return write_file(dir / "aws-config",
                    "# Written by minicloud for command functions.\n[default]\nregion = " + region +
                        "\ns3 =\n    addressing_style = path\n");
}

std::map<std::string, std::string> command_environment(const std::map<std::string, std::string>& function_env,
                                                       const std::string& endpoint, const std::string& access_key,
                                                       const std::string& secret_key, const std::string& region,
                                                       const std::string& function_name,
                                                       const std::filesystem::path& support_dir) {
  std::map<std::string, std::string> env = function_env;
  env["AWS_ENDPOINT_URL"] = endpoint;
  env["AWS_ENDPOINT_URL_S3"] = endpoint;
  env["AWS_ACCESS_KEY_ID"] = access_key;
  env["AWS_SECRET_ACCESS_KEY"] = secret_key;
  env["AWS_REGION"] = region;
  env["AWS_DEFAULT_REGION"] = region;
  env["AWS_LAMBDA_FUNCTION_NAME"] = function_name;
  // No credentials or config from the user's home may override the ones above.
  env["AWS_CONFIG_FILE"] = (support_dir / "aws-config").string();
  env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
  std::string node_options = "--require " + (support_dir / "resolve-localhost.cjs").string();
  if (auto it = function_env.find("NODE_OPTIONS"); it != function_env.end()) node_options = it->second + " " + node_options;
  else if (const char* inherited = std::getenv("NODE_OPTIONS")) node_options = std::string(inherited) + " " + node_options;
  env["NODE_OPTIONS"] = node_options;
  return env;
}

InvokeResult CommandFunction::invoke(const std::string& event_json, const InvokeContext& context) {
  if (options_.argv.empty()) return std::unexpected("no command");
  // The environment: ours, with the function's variables replacing same-named ones.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    auto name = std::string(entry.substr(0, entry.find('=')));
    if (!options_.environment.contains(name) && !name.starts_with("AWS_")) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : options_.environment)
    if (k != "AWS_SESSION_TOKEN") env_strings.push_back(k + "=" + v);
  env_strings.push_back("AWS_SESSION_TOKEN=" + depth_token(context.depth + 1));
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = options_.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return std::unexpected(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]);
    return std::unexpected(std::string("pipe: ") + std::strerror(errno));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    return std::unexpected(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  // Nothing else leaks into the handler: not the listening socket, not the data dir lock
  // (a handler outliving a killed server must not keep either).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group (so a timeout kills the handler's children too); default signal
  // dispositions and mask (the server blocks SIGINT/SIGTERM and ignores SIGPIPE).
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    return std::unexpected("cannot start " + options_.argv[0] + ": " + std::strerror(rc));
  }

  // Feed stdin and drain stdout/stderr together, so a chatty handler never blocks on a
  // full pipe while we block on its stdin.
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  std::string out_text, err_text;
  int stdin_fd = in[1];
  if (event_json.empty()) ::close(stdin_fd), stdin_fd = -1;
  bool out_open = true, err_open = true, timed_out = false;
  auto deadline = Clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3] = {{stdin_fd, POLLOUT, 0}, {out_open ? out[0] : -1, POLLIN, 0}, {err_open ? err[0] : -1, POLLIN, 0}};
    int n = ::poll(fds, 3, static_cast<int>(left));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (stdin_fd >= 0 && fds[0].revents) {
      ssize_t w = write_no_sigpipe(stdin_fd, event_json.data() + written, event_json.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if (w < 0 && errno != EAGAIN) written = event_json.size();  // the handler closed stdin: fine
      if (written >= event_json.size()) ::close(stdin_fd), stdin_fd = -1;
    }
    char buf[4096];
    for (int i : {1, 2}) {
      if (!fds[i].revents) continue;
      ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      bool& open = i == 1 ? out_open : err_open;
      std::string& text = i == 1 ? out_text : err_text;
      if (r > 0) {
        text.append(buf, static_cast<std::size_t>(r));
        if (text.size() > 65536) text.erase(0, text.size() - 65536);
      } else if (r == 0 || errno != EINTR) {
        open = false;
      }
    }
  }
  if (stdin_fd >= 0) ::close(stdin_fd);
  ::close(out[0]);
  ::close(err[0]);
  if (timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return std::unexpected("timed out after " + std::to_string(options_.timeout_ms / 1000) + " s; stderr: " + tail(err_text, 2000));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return tail(out_text, 2000);
  std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + std::to_string(WTERMSIG(status));
  return std::unexpected(how + "; stderr: " + tail(err_text, 2000));
}

}  // namespace events
