//! `GET /login`: the sign-in form, outside the shell. It posts `user`,
//! `password`, `_csrf` (the double-submit token) and `next`.

use maud::{Markup, html};

use super::layout::{PRODUCT, document};
use super::parts::csrf_field;
use super::paths;
use super::view::LoginPage;

/// The login page.
pub fn login_page(view: &LoginPage) -> Markup {
    document(
        "登录",
        html! {
            main.login {
                div.login-card {
                    div.brand { (PRODUCT) }
                    h1 { "登录" }
                    @if let Some(error) = &view.error { div.flash.err role="alert" { (error) } }
                    form method="post" action=(paths::LOGIN) {
                        (csrf_field(&view.csrf))
                        input type="hidden" name="next" value=(view.next);
                        label for="user" { "用户名" }
                        input #user type="text" name="user" value=(view.user) required
                            autocomplete="username" autofocus[view.user.is_empty()]
                            autocapitalize="off" spellcheck="false";
                        label for="password" { "密码" }
                        input #password type="password" name="password" required
                            autocomplete="current-password" autofocus[!view.user.is_empty()];
                        button.primary.wide type="submit" { "登录" }
                    }
                    p.muted.small {
                        "账号由管理员在 omnilisten.toml 的 [[users]] 中配置。忘记密码请联系管理员。"
                    }
                }
            }
        },
    )
}
