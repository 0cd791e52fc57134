// WebApp: every page and endpoint of a hub's web server (docs/api.md), as one request handler
// for HttpServer. It reads the hub's projections through HubView, acts through its review desk,
// and checks on every request who is signed in, with what role, for which county: a county hub
// refuses a request that names another county, or another county's application, with
// 403 other_county (docs/api.md "Counties").
//
//   open:        /healthz, /metrics, /login, /public/outlets, /public/api/outlets, /assets/*
//   signed in:   /queue, /cases/APP_ID, /dashboard pages; GET /api/...; /api/events (SSE)
//   actions:     POST /api/cases/APP_ID/ACTION and /logout, with the session's CSRF token;
//                POST /api/cases/APP_ID/applicant (a reviewer of the county: who applied, with a
//                purpose, through the signed access trace; the only answer with personal data);
//                county_admin: GET /api/operators, POST /api/operators/add|disable (page /admin)
//
// WebServer puts it together with an HttpServer; the hub starts one for `run --http`.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "review/case_book.h"
#include "web/dashboard.h"
#include "web/http_server.h"
#include "web/hub_view.h"
#include "web/outlet_directory.h"
#include "web/password_file.h"
#include "web/review_figures.h"
#include "web/sessions.h"

namespace bangban {

class WebApp {
 public:
  // `outlets` and `dashboard` are the sources of the public directory and the city dashboard;
  // null: the interim ones (StoreOutletSource, SlaDashboardSource). `figures` measures the queue,
  // the SLA report and the cases; null: the hub's own case book (BookFigures), which at the city
  // would measure with the city's receipts (a running city hub plugs in the counties').
  WebApp(HubView& hub, std::filesystem::path data_dir, std::unique_ptr<OutletSource> outlets = nullptr,
         std::unique_ptr<DashboardSource> dashboard = nullptr, std::unique_ptr<ReviewFigures> figures = nullptr);

  HttpResponse Handle(const HttpRequest& request);

  // Cheap and safe from any thread (a store observer calls it inside its write transaction):
  // the next Tick tells the live pages that records arrived.
  void NoteRecordsStored() { ++records_stored_; }
  // Likewise for cases that changed colour (the running hub's SLA watch).
  void NoteColourChanges(const std::vector<ColourChange>& changes);
  // Four times a second (HttpServer's tick): publishes what changed to the live pages of `server`.
  void Tick(HttpServer& server);
  // The server whose response counts /metrics reports.
  void SetServer(const HttpServer* server) { server_ = server; }

 private:
  struct Caller;  // who is asking: the session, if any
  HttpResponse Route(const HttpRequest& request, const Caller& caller);
  HttpResponse Login(const HttpRequest& request);
  HttpResponse Logout(const HttpRequest& request, const Caller& caller);
  HttpResponse Page(const std::string& file, const Caller& caller);
  HttpResponse Metrics();
  HttpResponse Queue(const HttpRequest& request);
  HttpResponse CaseGet(const std::string& app_id, const HttpRequest& request);
  HttpResponse CaseAct(const std::string& app_id, const std::string& action, const HttpRequest& request,
                       const Caller& caller);
  HttpResponse ListOperators(const Caller& caller);
  HttpResponse ChangeOperator(const std::string& action, const HttpRequest& request, const Caller& caller);
  HttpResponse ShowApplicant(const std::string& app_id, const HttpRequest& request, const Caller& caller);
  HttpResponse PublicOutlets(const HttpRequest& request);
  std::string RoleOf(const std::string& name) const;

  HubView& hub_;
  PasswordFile passwords_;
  Sessions sessions_;
  LoginThrottle throttle_;
  std::unique_ptr<OutletSource> outlets_;
  std::unique_ptr<DashboardSource> dashboard_;
  std::unique_ptr<ReviewFigures> figures_;
  const HttpServer* server_ = nullptr;
  std::atomic<uint64_t> records_stored_{0};
  uint64_t records_published_ = 0;
  std::mutex colour_mutex_;
  std::vector<ColourChange> colour_changes_;  // since the last Tick (bounded)
};

// The web server of a running hub: a WebApp served by an HttpServer on `address`:`port`.
class WebServer {
 public:
  // Error(ErrorCode::kBind) if it cannot listen there.
  // `dashboard`, `figures`: as for WebApp.
  WebServer(HubView& hub, const std::filesystem::path& data_dir, const std::string& address, uint16_t port,
            std::unique_ptr<DashboardSource> dashboard = nullptr, std::unique_ptr<ReviewFigures> figures = nullptr);
  WebApp& app() { return *app_; }
  uint16_t port() const { return server_->port(); }

 private:
  std::unique_ptr<WebApp> app_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace bangban
