#include "web/web_app.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>

#include "crypto/error.h"
#include "protocol/clock.h"
#include "review/sla_report.h"
#include "web/assets.h"
#include "web/case_view.h"

namespace bangban {
namespace {

constexpr const char* kSessionCookie = "bb_session";
constexpr size_t kMaxColourChanges = 1000;
const std::vector<std::string> kRoles = {"county_admin", "reviewer", "city_auditor"};
const std::set<std::string> kReaders = {"county_admin", "reviewer", "city_auditor"};
const std::set<std::string> kActors = {"county_admin", "reviewer"};

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

HttpResponse JsonResponse(const Json& doc, int status = 200) {
  return {status, "application/json; charset=utf-8", doc.dump() + "\n", {{"Cache-Control", "no-store"}}};
}

// The status of an error code, for the API's {"error": {"code", "message"}} answers.
int StatusOf(std::string_view code) {
  if (code == ErrorCode::kNotLoggedIn.name() || code == ErrorCode::kBadLogin.name()) return 401;
  if (code == ErrorCode::kForbidden.name() || code == ErrorCode::kBadCsrf.name() ||
      code == ErrorCode::kOtherCounty.name() || code == ErrorCode::kNotCounty.name() ||
      code == ErrorCode::kNotCustodian.name() || code == ErrorCode::kNotOperator.name()) {
    return 403;
  }
  if (code == ErrorCode::kNotFound.name() || code == ErrorCode::kUnknownApp.name()) return 404;
  if (code == ErrorCode::kLoginThrottled.name()) return 429;
  if (code == ErrorCode::kUsage.name() || code == ErrorCode::kInput.name()) return 400;
  if (code == ErrorCode::kInternal.name() || code == ErrorCode::kStorage.name()) return 500;
  return 409;  // the request is well formed but the state does not allow it (workflow, ...)
}

HttpResponse ErrorResponse(std::string_view code, const std::string& message) {
  return JsonResponse({{"error", {{"code", code}, {"message", message}}}}, StatusOf(code));
}

HttpResponse Redirect(const std::string& to) { return {303, "text/plain; charset=utf-8", "", {{"Location", to}}}; }

// Compares secrets in time independent of where they differ.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Text a person typed into a field that goes into a signed record: bounded, no control bytes.
bool PlainText(const std::string& text, size_t max_bytes) {
  if (text.size() > max_bytes) return false;
  for (unsigned char c : text) {
    if (c < 0x20 && c != '\n' && c != '\t') return false;
  }
  return true;
}

bool IsAppId(const std::string& text) {
  if (text.empty() || text.size() > 64) return false;
  for (unsigned char c : text) {
    if (c <= 0x20 || c == '/' || c == 0x7f) return false;
  }
  return true;
}

std::string CookieHeader(const HttpRequest& request, const std::string& value, bool clear) {
  std::string cookie = std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
  if (request.Header("x-forwarded-proto") == "https") cookie += "; Secure";
  if (clear) cookie += "; Max-Age=0";
  return cookie;
}

std::string PromLabel(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// The queue with the page's filters applied: state, kind, outlet, colour, county (each exact;
// empty keeps all; a county hub has refused another county already).
Json FilterQueue(Json queue, const HttpRequest& request) {
  for (const char* list : {"open", "paused"}) {
    Json kept = Json::array();
    for (Json& entry : queue[list]) {
      bool keep = true;
      for (const auto& [param, field] :
           {std::pair{"state", "state"}, std::pair{"kind", "kind"}, std::pair{"outlet", "outlet_id"},
            std::pair{"colour", "colour"}, std::pair{"county", "county"}}) {
        const std::string wanted = request.Query(param);
        if (!wanted.empty() && entry[field] != wanted) keep = false;
      }
      if (keep) kept.push_back(std::move(entry));
    }
    queue[list] = std::move(kept);
  }
  return queue;
}

// A county hub answers for its own county only (docs/api.md "Counties"): throws other_county
// when `request` names another county, with `?county=` or a "county" field of a POST's JSON body.
// The city hub answers for every county: there `county` chooses one.
void RequireOwnCountyNamed(const HttpRequest& request, const HubFacts& facts) {
  if (facts.role != "county") return;
  std::string named = request.Query("county");
  if (named.empty() && request.method == "POST" && !request.body.empty()) {
    const Json body = Json::parse(request.body, nullptr, false);
    if (body.is_object()) {
      if (auto it = body.find("county"); it != body.end() && it->is_string()) named = it->get<std::string>();
    }
  }
  if (named.empty() || named == facts.county) return;
  throw Error(ErrorCode::kOtherCounty, "this is the county hub of " + facts.county + " (" + facts.name +
                                           ") and it answers for county " + facts.county + " only; county " + named +
                                           " is read and reviewed at its own county hub");
}

// Likewise for an application this county hub holds only as another county's (carried, never
// reviewed here: principle 6).
void RequireOwnCountysApp(const CaseBook& cases, const std::string& app_id, const HubFacts& facts) {
  if (facts.role != "county") return;
  const std::vector<std::string> counties = cases.CountiesOf(app_id);
  if (counties.empty() || std::find(counties.begin(), counties.end(), facts.county) != counties.end()) return;
  throw Error(ErrorCode::kOtherCounty, "app " + app_id + " is a case of county " + counties.front() +
                                           "; this is the county hub of " + facts.county +
                                           ", which reads and reviews the cases of county " + facts.county + " only");
}

}  // namespace

struct WebApp::Caller {
  std::optional<Session> session;
  bool Reads() const { return session && kReaders.count(session->role); }
  bool Acts() const { return session && kActors.count(session->role); }
};

WebApp::WebApp(HubView& hub, std::filesystem::path data_dir, std::unique_ptr<OutletSource> outlets,
               std::unique_ptr<DashboardSource> dashboard, std::unique_ptr<ReviewFigures> figures)
    : hub_(hub),
      passwords_(std::move(data_dir)),
      outlets_(outlets ? std::move(outlets) : std::make_unique<StoreOutletSource>(hub.store())),
      dashboard_(dashboard ? std::move(dashboard) : std::make_unique<SlaDashboardSource>(hub.cases())),
      figures_(figures ? std::move(figures) : std::make_unique<BookFigures>(hub.cases())) {}

std::string WebApp::RoleOf(const std::string& name) const {
  for (const std::string& role : kRoles) {
    if (hub_.IsActiveOperator(name, role)) return role;
  }
  return "";
}

HttpResponse WebApp::Handle(const HttpRequest& request) {
  Caller caller;
  if (std::string token = request.Cookie(kSessionCookie); !token.empty()) {
    caller.session = sessions_.Find(token, MonotonicMs());
    // An operator taken off the roster loses the session at once, not at its expiry.
    if (caller.session && !hub_.IsActiveOperator(caller.session->name, caller.session->role)) {
      sessions_.Close(token);
      caller.session.reset();
    }
  }
  try {
    return Route(request, caller);
  } catch (const Error& e) {
    return ErrorResponse(e.code(), e.what());
  }
}

HttpResponse WebApp::Route(const HttpRequest& request, const Caller& caller) {
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";

  // ---- open to everyone ----
  if (get && path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n", {{"Cache-Control", "no-store"}}};
  if (get && path == "/metrics") return Metrics();
  if (get && path.starts_with("/assets/")) {
    std::optional<Asset> asset = FindAsset(path.substr(8));
    if (!asset || asset->name.ends_with(".html")) return ErrorResponse(ErrorCode::kNotFound, "no such file");
    return {200, std::string(asset->content_type), std::string(asset->bytes), {{"Cache-Control", "max-age=300"}}};
  }
  if (get && (path == "/public/outlets" || path == "/public/outlets/")) return Page("outlets.html", caller);
  if (get && path == "/public/api/outlets") return PublicOutlets(request);
  if (get && path == "/login") return Page("login.html", caller);
  if (post && path == "/login") return Login(request);

  // ---- signed in ----
  if (post && path == "/logout") return Logout(request, caller);
  if (get && path == "/") {
    if (!caller.session) return Redirect("/login");
    return Redirect(hub_.Facts().role == "city" ? "/dashboard" : "/queue");
  }
  if (get &&
      (path == "/queue" || path == "/dashboard" || path.starts_with("/cases/") || path.starts_with("/records/"))) {
    if (!caller.session) return Redirect("/login");
    return Page(path == "/queue"                ? "queue.html"
                : path == "/dashboard"          ? "dashboard.html"
                : path.starts_with("/records/") ? "record.html"
                                                : "case.html",
                caller);
  }
  if (get && path == "/admin") {
    if (!caller.session) return Redirect("/login");
    return Page("admin.html", caller);
  }
  if (!path.starts_with("/api/")) return ErrorResponse(ErrorCode::kNotFound, "no page at " + path);
  if (!caller.session) return ErrorResponse(ErrorCode::kNotLoggedIn, "sign in first (/login)");
  if (!caller.Reads())
    return ErrorResponse(ErrorCode::kForbidden, "the role " + caller.session->role + " may not read this");
  // Before anything is read or acted on: a county hub refuses a request for another county.
  RequireOwnCountyNamed(request, hub_.Facts());

  if (get && path == "/api/session") {
    const HubFacts facts = hub_.Facts();
    return JsonResponse(
        {{"name", caller.session->name},
         {"role", caller.session->role},
         {"csrf", caller.session->csrf},
         {"hub",
          {{"role", facts.role}, {"name", facts.name}, {"county", facts.county}, {"simulation", facts.simulation}}}});
  }
  if (get && path == "/api/queue") return Queue(request);
  if (get && path == "/api/sla") {
    SlaReportOptions options;
    options.at_ms = NowMs();
    for (const auto& [param, slot] : {std::pair{"from", &options.from}, std::pair{"to", &options.to}}) {
      if (std::string text = request.Query(param); !text.empty()) {
        *slot = ParseCivilDate(text);
        if (!*slot) return ErrorResponse(ErrorCode::kUsage, std::string(param) + " must be a date such as 2026-03-02");
      }
    }
    return JsonResponse(figures_->Sla(options));
  }
  if (get && path == "/api/dashboard") return JsonResponse(dashboard_->Build(NowMs()));
  if (get && path == "/api/events") {
    HttpResponse stream;
    stream.event_stream = true;
    stream.body = "retry: 3000\n\n";
    return stream;
  }
  if (get && path == "/api/operators") return ListOperators(caller);
  if (post && (path == "/api/operators/add" || path == "/api/operators/disable")) {
    return ChangeOperator(path.substr(15), request, caller);
  }
  if (get && path.starts_with("/api/records/")) {
    const std::optional<RecordId> id = FromHexFixed<32>(path.substr(13));
    if (!id) return ErrorResponse(ErrorCode::kUsage, "a record id is 64 hex digits");
    const std::optional<Record> record = hub_.store().Get(*id);
    if (!record) return ErrorResponse(ErrorCode::kNotFound, "no record " + path.substr(13) + " is held here");
    return JsonResponse(RecordDetail(hub_, *record));
  }
  if (path.starts_with("/api/cases/")) {
    const std::string rest = path.substr(11);
    const size_t slash = rest.find('/');
    const std::string app_id = rest.substr(0, slash);
    if (!IsAppId(app_id)) return ErrorResponse(ErrorCode::kUsage, "the app_id in the path is empty or malformed");
    if (get && slash == std::string::npos) return CaseGet(app_id, request);
    if (post && rest.substr(slash + 1) == "applicant") return ShowApplicant(app_id, request, caller);
    if (post && slash != std::string::npos) return CaseAct(app_id, rest.substr(slash + 1), request, caller);
  }
  return ErrorResponse(ErrorCode::kNotFound, "no endpoint " + request.method + " " + path);
}

HttpResponse WebApp::Page(const std::string& file, const Caller&) {
  std::optional<Asset> page = FindAsset(file);
  if (!page) return ErrorResponse(ErrorCode::kInternal, "page " + file + " is not built in");
  return {200, std::string(page->content_type), std::string(page->bytes), {{"Cache-Control", "no-store"}}};
}

HttpResponse WebApp::Login(const HttpRequest& request) {
  std::map<std::string, std::string> form = ParseForm(request.body);
  const std::string name = form["name"];
  Password password(std::move(form["password"]));
  const int64_t now = MonotonicMs();
  if (name.empty() || name.size() > kMaxOperatorNameLength || password.view().size() > kMaxPasswordLength) {
    return Redirect("/login?error=bad_login");
  }
  if (throttle_.WaitMs(name, now) > 0) {
    spdlog::warn("web: sign-in for {} refused: too many failures", name);
    return Redirect("/login?error=login_throttled");
  }
  const std::string role = RoleOf(name);
  const bool ok = passwords_.Check(name, password) && !role.empty();
  if (!ok) {
    throttle_.Failed(name, now);
    spdlog::warn("web: failed sign-in for {}", name);
    return Redirect("/login?error=bad_login");
  }
  throttle_.Succeeded(name);
  Session session = sessions_.Open(name, role, now);
  spdlog::info("web: {} signed in as {}", name, role);
  HttpResponse response = Redirect(hub_.Facts().role == "city" ? "/dashboard" : "/queue");
  response.headers.push_back({"Set-Cookie", CookieHeader(request, session.token, false)});
  return response;
}

HttpResponse WebApp::Logout(const HttpRequest& request, const Caller& caller) {
  if (!caller.session) return Redirect("/login");
  const std::string token =
      request.Header("x-csrf-token").empty() ? ParseForm(request.body)["csrf"] : request.Header("x-csrf-token");
  if (!SameSecret(token, caller.session->csrf)) return ErrorResponse(ErrorCode::kBadCsrf, "the CSRF token is missing");
  sessions_.Close(caller.session->token);
  HttpResponse response = Redirect("/login");
  response.headers.push_back({"Set-Cookie", CookieHeader(request, "", true)});
  return response;
}

HttpResponse WebApp::Queue(const HttpRequest& request) {
  return JsonResponse(FilterQueue(figures_->Queue(NowMs()), request));
}

HttpResponse WebApp::CaseGet(const std::string& app_id, const HttpRequest& request) {
  const HubFacts facts = hub_.Facts();
  const std::string outlet = request.Query("outlet");
  // A county hub holds its own county's cases; the city hub every county's.
  std::vector<CaseFile> cases;
  if (facts.role == "county") {
    RequireOwnCountysApp(hub_.cases(), app_id, facts);
    cases = hub_.cases().Cases(app_id, facts.county);
  } else {
    const std::string county = request.Query("county");
    if (county.empty()) return ErrorResponse(ErrorCode::kUsage, "at the city hub, say which county: ?county=CODE");
    cases = hub_.cases().Cases(app_id, county);
  }
  std::erase_if(cases, [&](const CaseFile& c) { return c.summary.state == CaseState::kNone && c.outlet_id.empty(); });
  if (!outlet.empty()) std::erase_if(cases, [&](const CaseFile& c) { return c.outlet_id != outlet; });
  if (cases.empty()) return ErrorResponse(ErrorCode::kUnknownApp, "no application " + app_id + " is held here");
  if (cases.size() > 1) {
    Json outlets = Json::array();
    for (const CaseFile& c : cases) outlets.push_back(c.outlet_id);
    return JsonResponse({{"error",
                          {{"code", ErrorCode::kAmbiguousApp.name()},
                           {"message", "app " + app_id + " was filed by several outlets: choose one with ?outlet="},
                           {"outlets", outlets}}}},
                        409);
  }
  return JsonResponse(CaseDetail(hub_, cases.front(), figures_->CaseFigures(cases.front(), NowMs())));
}

HttpResponse WebApp::CaseAct(const std::string& app_id, const std::string& action, const HttpRequest& request,
                             const Caller& caller) {
  if (!SameSecret(request.Header("x-csrf-token"), caller.session->csrf)) {
    return ErrorResponse(ErrorCode::kBadCsrf, "every action needs the session's CSRF token (X-CSRF-Token)");
  }
  if (!caller.Acts()) {
    return ErrorResponse(ErrorCode::kForbidden, "the role " + caller.session->role + " may not act on applications");
  }
  static const std::set<std::string> kActions = {"accept", "correct", "approve", "reject", "assign"};
  if (!kActions.count(action)) {
    return ErrorResponse(ErrorCode::kUsage, "the action must be accept, correct, approve, reject or assign");
  }
  Json body = Json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ErrorResponse(ErrorCode::kUsage, "the body must be a JSON object");
  DeskAction act;
  act.action = action;
  act.app_id = app_id;
  act.operator_name = caller.session->name;
  auto text = [&](const char* field, std::string& slot, size_t max) -> bool {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return true;
    if (!it->is_string() || !PlainText(it->get<std::string>(), max)) return false;
    slot = it->get<std::string>();
    return true;
  };
  for (const auto& [field, slot, max] :
       {std::tuple{"outlet_id", &act.outlet_id, size_t{64}},
        std::tuple{"assignee", &act.assignee, kMaxOperatorNameLength}, std::tuple{"reason", &act.reason, size_t{1024}},
        std::tuple{"uscc", &act.uscc, size_t{18}}}) {
    if (!text(field, *slot, max)) {
      return ErrorResponse(ErrorCode::kUsage, std::string(field) + " must be text of at most " + std::to_string(max) +
                                                  " bytes without control characters");
    }
  }
  if (auto it = body.find("auto"); it != body.end()) act.auto_assign = it->is_boolean() && it->get<bool>();
  // A reviewer acts in the hub's own county only; the desk refuses other counties' cases too,
  // but the role check belongs here, before anything is asked of it.
  const HubFacts facts = hub_.Facts();
  if (facts.role != "county") return ErrorResponse(ErrorCode::kForbidden, "only a county hub reviews applications");
  RequireOwnCountysApp(hub_.cases(), app_id, facts);
  if (action == "assign" && act.assignee.empty() && !act.auto_assign) {
    return ErrorResponse(ErrorCode::kUsage, "assign needs an assignee or auto");
  }
  if (action == "assign" && !act.assignee.empty() && !hub_.IsActiveOperator(act.assignee, "reviewer") &&
      !hub_.IsActiveOperator(act.assignee, "county_admin")) {
    return ErrorResponse(ErrorCode::kUsage, act.assignee + " is not an active reviewer of this hub");
  }
  DeskAnswer answer = hub_.Act(act);
  if (!answer.ok) return ErrorResponse(answer.error_code, answer.message);
  spdlog::info("web: {} {} {} by {}", action, app_id, answer.state, act.operator_name);
  return JsonResponse({{"id", answer.record_id},
                       {"app_id", app_id},
                       {"action", action},
                       {"reviewer", answer.reviewer},
                       {"state", answer.state}});
}

namespace {

constexpr const char* kPasswordNote =
    "passwords are set only at the hub, with `bangban-hub user passwd --data DIR --name NAME` (read from the "
    "terminal, never sent through these pages)";

// Managing operators is the county_admin's, at a county hub; "" when `caller` may.
std::string AdminProblem(const std::optional<Session>& session, const HubFacts& facts) {
  if (facts.role != "county") return "operators are managed here only at a county hub";
  if (session->role != "county_admin") {
    return "only a county_admin of this county manages operators; the role " + session->role + " may not";
  }
  return "";
}

}  // namespace

HttpResponse WebApp::ListOperators(const Caller& caller) {
  if (std::string problem = AdminProblem(caller.session, hub_.Facts()); !problem.empty()) {
    return ErrorResponse(ErrorCode::kForbidden, problem);
  }
  Json list = Json::array();
  for (const OperatorListing& op : hub_.Operators()) {
    list.push_back({{"name", op.name}, {"role", op.role}, {"active", op.active}});
  }
  return JsonResponse({{"operators", list}, {"passwords", kPasswordNote}});
}

HttpResponse WebApp::ChangeOperator(const std::string& action, const HttpRequest& request, const Caller& caller) {
  if (!SameSecret(request.Header("x-csrf-token"), caller.session->csrf)) {
    return ErrorResponse(ErrorCode::kBadCsrf, "every action needs the session's CSRF token (X-CSRF-Token)");
  }
  if (std::string problem = AdminProblem(caller.session, hub_.Facts()); !problem.empty()) {
    return ErrorResponse(ErrorCode::kForbidden, problem);
  }
  Json body = Json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ErrorResponse(ErrorCode::kUsage, "the body must be a JSON object");
  OperatorChange change{action, "", "reviewer", "", caller.session->name};
  for (const auto& [field, slot, max] :
       {std::tuple{"name", &change.name, kMaxOperatorNameLength}, std::tuple{"role", &change.role, size_t{16}},
        std::tuple{"reason", &change.reason, size_t{1024}}}) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_string() || !PlainText(it->get<std::string>(), max)) {
      return ErrorResponse(ErrorCode::kUsage, std::string(field) + " must be text of at most " + std::to_string(max) +
                                                  " bytes without control characters");
    }
    *slot = it->get<std::string>();
  }
  if (change.name.empty() || change.name.find_first_of(" \t\n") != std::string::npos) {
    return ErrorResponse(ErrorCode::kUsage, "name is required: the operator's id, without spaces (e.g. r03)");
  }
  if (action == "add" && change.role != "reviewer") {
    return ErrorResponse(
        ErrorCode::kUsage,
        "this page adds reviewers only; a county_admin is added at the hub with `bangban-hub user add`");
  }
  if (action == "disable") {
    if (change.reason.find_first_not_of(" \t\n") == std::string::npos) {
      return ErrorResponse(ErrorCode::kUsage, "reason is required: why the operator is disabled (recorded)");
    }
    if (change.name == change.by) {
      return ErrorResponse(ErrorCode::kUsage, "a county_admin may not disable their own account here");
    }
    if (RoleOf(change.name).empty()) {
      return ErrorResponse(ErrorCode::kNotFound, "'" + change.name + "' is not an active operator of this hub");
    }
  }
  OperatorAnswer answer = hub_.ChangeOperator(change);
  if (!answer.ok) return ErrorResponse(answer.error_code, answer.message);
  spdlog::info("web: {} {} operator {} ({})", change.by, action == "add" ? "added" : "disabled", change.name,
               answer.record_id);
  return JsonResponse({{"id", answer.record_id},
                       {"name", change.name},
                       {"state", action == "add" ? "active" : "disabled"},
                       {"by", change.by},
                       {"passwords", kPasswordNote}});
}

HttpResponse WebApp::ShowApplicant(const std::string& app_id, const HttpRequest& request, const Caller& caller) {
  if (!SameSecret(request.Header("x-csrf-token"), caller.session->csrf)) {
    return ErrorResponse(ErrorCode::kBadCsrf, "opening applicant data needs the session's CSRF token (X-CSRF-Token)");
  }
  const HubFacts facts = hub_.Facts();
  if (caller.session->role == "city_auditor" || facts.role != "county") {
    return ErrorResponse(ErrorCode::kForbidden,
                         "a city auditor may not see who applied: applicant data is opened only by a reviewer of the "
                         "county hub that holds it; the city reads the signed pii.access records of every opening");
  }
  if (caller.session->role != "reviewer") {
    return ErrorResponse(ErrorCode::kForbidden, "only a reviewer of this county opens applicant data; the role " +
                                                    caller.session->role + " may not");
  }
  RequireOwnCountysApp(hub_.cases(), app_id, facts);
  Json body = Json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ErrorResponse(ErrorCode::kUsage, "the body must be a JSON object");
  ApplicantAsk ask{app_id, "", caller.session->name, ""};
  for (const auto& [field, slot, max] :
       {std::tuple{"purpose", &ask.purpose, size_t{512}}, std::tuple{"outlet_id", &ask.outlet_id, size_t{64}}}) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_string() || !PlainText(it->get<std::string>(), max)) {
      return ErrorResponse(ErrorCode::kUsage, std::string(field) + " must be text of at most " + std::to_string(max) +
                                                  " bytes without control characters");
    }
    *slot = it->get<std::string>();
  }
  if (ask.purpose.find_first_not_of(" \t\n") == std::string::npos) {
    return ErrorResponse(ErrorCode::kUsage, "purpose is required: say why the applicant's data is needed");
  }
  ApplicantAnswer answer = hub_.OpenApplicant(ask);
  if (!answer.ok) return ErrorResponse(answer.error_code, answer.message);
  // The log names who opened which application and the record; never the values.
  spdlog::info("web: {} opened the applicant of {} (pii.access {})", ask.operator_name, app_id, answer.access_id);
  HttpResponse response = JsonResponse({{"access_id", answer.access_id},
                                        {"app_id", answer.app_id},
                                        {"outlet_id", answer.outlet_id},
                                        {"reviewer", ask.operator_name},
                                        {"id_number", answer.id_number},
                                        {"name", answer.name}});
  sodium_memzero(answer.id_number.data(), answer.id_number.size());
  sodium_memzero(answer.name.data(), answer.name.size());
  response.headers.push_back({"Pragma", "no-cache"});
  return response;
}

HttpResponse WebApp::PublicOutlets(const HttpRequest& request) {
  const std::string county = request.Query("county"), township = request.Query("township");
  Json list = Json::array();
  for (const OutletListing& outlet : outlets_->Outlets()) {
    if (MatchesSearch(outlet, county, township)) list.push_back(outlet.ToJson());
  }
  return JsonResponse({{"outlets", list}, {"source", outlets_->Provenance()}});
}

namespace {

// Milliseconds since the epoch as Prometheus seconds, e.g. 1772413200.123.
std::string PromSeconds(int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000));
  return text;
}

// The hub's last own audit (`run --audit-every`): shown once one has finished.
void AppendAuditMetrics(std::ostringstream& m, const AuditFigures& a) {
  auto gauge = [&](const char* name, const char* text, const std::string& value) {
    m << "# HELP " << name << " " << text << "\n# TYPE " << name << " gauge\n" << name << " " << value << "\n";
  };
  gauge("bangban_audit_clean", "1 if the hub's last own audit was clean (no problems, no findings), else 0.",
        a.clean ? "1" : "0");
  gauge("bangban_audit_problems", "Problems the last audit found: damage, broken chains, log mismatches.",
        std::to_string(a.problems));
  gauge("bangban_audit_findings", "Findings of the last audit about the counties' published logs (city hub).",
        std::to_string(a.findings));
  gauge("bangban_audit_flagged_records", "Records the last audit flagged: kept, but wrong for this hub.",
        std::to_string(a.flagged));
  gauge("bangban_audit_quarantined_authors", "Forked authors the last audit named.", std::to_string(a.quarantined));
  gauge("bangban_audit_last_run_timestamp_seconds", "When the last audit finished (Unix time in seconds).",
        PromSeconds(a.finished_ms));
  m << "# HELP bangban_audit_runs_total Audits finished since the daemon started.\n"
       "# TYPE bangban_audit_runs_total counter\nbangban_audit_runs_total "
    << a.runs << "\n";
}

}  // namespace

HttpResponse WebApp::Metrics() {
  const HubFacts facts = hub_.Facts();
  const HubFigures figures = hub_.Figures();
  std::ostringstream m;
  auto help = [&](const char* name, const char* type, const char* text) {
    m << "# HELP " << name << " " << text << "\n# TYPE " << name << " " << type << "\n";
  };
  help("bangban_records_stored", "gauge", "Records stored, all feeds.");
  m << "bangban_records_stored " << figures.records << "\n";
  help("bangban_feeds", "gauge", "Feeds held.");
  m << "bangban_feeds " << figures.feeds << "\n";
  help("bangban_records_buffered", "gauge", "Records waiting for a gap in their feed to close.");
  m << "bangban_records_buffered " << figures.buffered << "\n";
  help("bangban_records_in_total", "counter", "Records accepted from each replication peer.");
  for (const PeerFigures& p : figures.peers) {
    m << "bangban_records_in_total{peer=\"" << p.key_id << "\",outlet_id=\"" << PromLabel(p.outlet_id) << "\"} "
      << p.records_received << "\n";
  }
  help("bangban_records_out_total", "counter", "Records of this hub's store the upstream hub acknowledged.");
  m << "bangban_records_out_total " << figures.records_acked_upstream << "\n";
  help("bangban_rejections_total", "counter", "Records refused from each peer, by error code.");
  for (const PeerFigures& p : figures.peers) {
    for (const auto& [code, n] : p.rejections) {
      m << "bangban_rejections_total{peer=\"" << p.key_id << "\",code=\"" << PromLabel(code) << "\"} " << n << "\n";
    }
  }
  help("bangban_replication_backlog", "gauge", "Records a peer said it holds beyond this hub's heads.");
  for (const PeerFigures& p : figures.peers) {
    m << "bangban_replication_backlog{peer=\"" << p.key_id << "\",outlet_id=\"" << PromLabel(p.outlet_id) << "\"} "
      << p.backlog << "\n";
  }
  help("bangban_peer_last_contact_timestamp_seconds", "gauge",
       "When each replication peer last sent a message (Unix time in seconds).");
  for (const PeerFigures& p : figures.peers) {
    if (p.last_contact_ms <= 0) continue;
    m << "bangban_peer_last_contact_timestamp_seconds{peer=\"" << p.key_id << "\",outlet_id=\""
      << PromLabel(p.outlet_id) << "\"} " << PromSeconds(p.last_contact_ms) << "\n";
  }
  if (figures.audit) AppendAuditMetrics(m, *figures.audit);
  if (facts.role == "county") {
    const Json queue = BuildQueue(hub_.cases(), NowMs());
    std::map<std::string, uint64_t> colours = {{"green", 0}, {"yellow", 0}, {"red", 0}};
    for (const Json& entry : queue["open"]) ++colours[entry["colour"].get<std::string>()];
    help("bangban_queue_length", "gauge", "Applications in the review queue: open (clock running) and paused.");
    m << "bangban_queue_length{list=\"open\"} " << queue["open"].size() << "\n";
    m << "bangban_queue_length{list=\"paused\"} " << queue["paused"].size() << "\n";
    help("bangban_open_cases", "gauge", "Open applications by SLA colour.");
    for (const auto& [colour, n] : colours)
      m << "bangban_open_cases{colour=\"" << PromLabel(colour) << "\"} " << n << "\n";
  }
  help("bangban_http_requests_total", "counter", "HTTP responses sent, by status.");
  if (server_) {
    for (const auto& [status, n] : server_->StatusCounts()) {
      m << "bangban_http_requests_total{status=\"" << status << "\"} " << n << "\n";
    }
  }
  help("bangban_web_sessions", "gauge", "Operators signed in to the web pages.");
  m << "bangban_web_sessions " << sessions_.size() << "\n";
  return {200, "text/plain; version=0.0.4; charset=utf-8", m.str(), {{"Cache-Control", "no-store"}}};
}

void WebApp::NoteColourChanges(const std::vector<ColourChange>& changes) {
  std::lock_guard lock(colour_mutex_);
  for (const ColourChange& c : changes) {
    if (colour_changes_.size() < kMaxColourChanges) colour_changes_.push_back(c);
  }
}

void WebApp::Tick(HttpServer& server) {
  const uint64_t stored = records_stored_;
  if (stored != records_published_) {
    records_published_ = stored;
    server.Publish("records", std::to_string(stored));
  }
  std::vector<ColourChange> changes;
  {
    std::lock_guard lock(colour_mutex_);
    changes.swap(colour_changes_);
  }
  if (changes.empty()) return;
  Json list = Json::array();
  for (const ColourChange& c : changes) {
    list.push_back({{"app_id", c.app_id},
                    {"outlet_id", c.outlet_id},
                    {"from", std::string(ToString(c.from))},
                    {"to", std::string(ToString(c.to))}});
  }
  server.Publish("colour", list.dump());
}

WebServer::WebServer(HubView& hub, const std::filesystem::path& data_dir, const std::string& address, uint16_t port,
                     std::unique_ptr<DashboardSource> dashboard, std::unique_ptr<ReviewFigures> figures)
    : app_(std::make_unique<WebApp>(hub, data_dir, nullptr, std::move(dashboard), std::move(figures))) {
  HttpServer::Options options;
  options.address = address;
  options.port = port;
  WebApp* app = app_.get();
  options.every_tick = [app](HttpServer& server) { app->Tick(server); };
  server_ = std::make_unique<HttpServer>(options, [app](const HttpRequest& r) { return app->Handle(r); });
  app_->SetServer(server_.get());
}

}  // namespace bangban
