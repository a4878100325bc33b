//! Real servers and browsers for the HTTP tests.

/// Serves `app` on 127.0.0.1 (a free port); returns its base URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // As the demo serves: handlers may read the client address.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// A browser: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A browser sending `headers` with every request and keeping its cookies
/// in `jar` (two browsers sharing a jar are one user on two devices).
#[allow(dead_code)]
pub fn browser_with(
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    headers: reqwest::header::HeaderMap,
) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token of a page's forms.
pub fn form_token(page: &str) -> String {
    const NEEDLE: &str = "name=\"csrf_token\" value=\"";
    let start = page.find(NEEDLE).expect("a token in the form") + NEEDLE.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// Fetches `url` and parses the JSON body.
pub async fn json(client: &reqwest::Client, url: String) -> serde_json::Value {
    let text = client.get(url).send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Fetches `url` and returns the body text.
pub async fn get_text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// Serves an actix-web app (its routes and middleware, set up by
/// `configure` once per worker) on 127.0.0.1 (a free port), on its own
/// thread and actix runtime; returns its base URL.
#[allow(dead_code)]
pub fn serve_actix<F>(configure: F) -> String
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Clone + Send + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            actix_web::HttpServer::new(move || {
                let configure = configure.clone();
                actix_web::App::new().configure(move |c| configure(c))
            })
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    base
}

/// Which adapter serves a scenario that runs on both.
#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// axum, through the tower layers.
    Axum,
    /// actix-web, through its middleware.
    Actix,
}

/// Runs each listed `async fn name(server: Server)` once per adapter, as
/// `axum_server::name` and `actix_server::name`.
#[allow(unused_macros)]
macro_rules! on_both_servers {
    ($($name:ident),* $(,)?) => {
        mod axum_server {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::support::web::Server::Axum).await
                }
            )*
        }
        mod actix_server {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::support::web::Server::Actix).await
                }
            )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_servers;
