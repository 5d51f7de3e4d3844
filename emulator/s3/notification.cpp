// GetBucketNotificationConfiguration / PutBucketNotificationConfiguration (?notification).
// The document is validated (events/rules.h) and stored as the bucket's "notification"
// config; the event pipeline reads it on every object event.
#include "events/rules.h"
#include "s3/context.h"
#include "s3/xml.h"

namespace s3 {

Reply get_bucket_notification(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  auto stored = ctx.store.get_bucket_config(ctx.route.bucket, "notification");
  if (!stored) return std::unexpected(stored.error());
  http::Response response;
  response.content_type = "application/xml";
  response.body = *stored ? **stored : xml::Document("NotificationConfiguration").str();
  return response;
}

Reply put_bucket_notification(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  auto body = read_document(ctx, 1024 * 1024);
  if (!body) return std::unexpected(body.error());
  auto rules = events::parse_notification_xml(*body);
  if (!rules) return std::unexpected(rules.error());
  const stack::Stack* stack = ctx.config.stack;
  auto exists = [stack](events::TargetKind kind, const std::string& arn) {
    if (!stack) return false;
    if (kind == events::TargetKind::Function)
      for (const auto& f : stack->functions)
        if (f.arn == arn) return true;
    if (kind == events::TargetKind::Topic)
      for (const auto& t : stack->topics)
        if (t.arn == arn) return true;
    return false;
  };
  if (auto ok = events::validate_rules(*rules, exists); !ok) return std::unexpected(ok.error());
  auto saved = rules->empty() ? ctx.store.delete_bucket_config(ctx.route.bucket, "notification")
                              : ctx.store.put_bucket_config(ctx.route.bucket, "notification", events::notification_xml(*rules));
  if (!saved) return std::unexpected(saved.error());
  return http::Response{};
}

}  // namespace s3
