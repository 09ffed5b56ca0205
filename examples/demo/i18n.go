package main

import (
	"context"
	"net/http"
	"strings"
)

// The demo's locales. Pages are served under /en/..., /ar/... and without a
// prefix (English). The guard strips the same prefixes before it matches
// its route rules and keeps them on its redirects; the demo's own router
// strips them before dispatching, and every link a page renders keeps the
// prefix it was reached under.
var demoLocales = []string{"en", "ar"}

// locale is the language a request is served in.
type locale struct {
	Lang   string // "en" or "ar"
	Dir    string // "ltr" or "rtl"
	Prefix string // "", "/en" or "/ar": what links start with
}

// splitLocale splits a locale prefix off p: "/ar/dashboard" is Arabic and
// "/dashboard"; "/ar" is Arabic and "/"; "/arabic" and "/dashboard" are
// English without a prefix.
func splitLocale(p string) (locale, string) {
	for _, l := range demoLocales {
		rest, ok := strings.CutPrefix(p, "/"+l)
		if !ok || rest != "" && rest[0] != '/' {
			continue
		}
		if rest == "" {
			rest = "/"
		}
		return newLocale(l, "/"+l), rest
	}
	return newLocale("en", ""), p
}

func newLocale(lang, prefix string) locale {
	dir := "ltr"
	if lang == "ar" {
		dir = "rtl"
	}
	return locale{Lang: lang, Dir: dir, Prefix: prefix}
}

// Link returns p under the locale's prefix: "/ar" + "/dashboard". The home
// page of a prefixed locale is the bare prefix ("/ar").
func (l locale) Link(p string) string {
	if p == "/" && l.Prefix != "" {
		return l.Prefix
	}
	return l.Prefix + p
}

// T returns the translation of key, falling back to English and then to
// the key itself.
func (l locale) T(key string) string {
	if s, ok := translations[l.Lang][key]; ok {
		return s
	}
	if s, ok := translations["en"][key]; ok {
		return s
	}
	return key
}

type localeKey struct{}

// localeOf returns the locale that localized stored in r.
func localeOf(r *http.Request) locale {
	if l, ok := r.Context().Value(localeKey{}).(locale); ok {
		return l
	}
	l, _ := splitLocale(r.URL.Path)
	return l
}

// localized strips the locale prefix from the request path, records the
// locale in the request context and calls next with the bare path.
func localized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, rest := splitLocale(r.URL.Path)
		if l.Prefix == "" {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), localeKey{}, l)))
			return
		}
		r2 := r.WithContext(context.WithValue(r.Context(), localeKey{}, l))
		u := *r.URL
		u.Path, u.RawPath = rest, ""
		r2.URL = &u
		next.ServeHTTP(w, r2)
	})
}

// translations holds every string a page shows, per language.
var translations = map[string]map[string]string{
	"en": {
		"app":                "authsession demo",
		"home":               "Home",
		"dashboard":          "Dashboard",
		"session":            "Session",
		"admin":              "Admin",
		"sign_in":            "Sign in",
		"sign_out":           "Sign out",
		"name":               "Name",
		"role":               "Role",
		"role_user":          "user",
		"role_admin":         "admin",
		"welcome":            "Welcome,",
		"signed_in_as":       "Signed in as",
		"home_intro":         "This application keeps its session in an encrypted, HttpOnly cookie. Sign in with any name to try it: the dashboard needs a session, the admin page needs the admin role.",
		"home_cta_in":        "Go to your dashboard",
		"home_cta_out":       "Sign in to start",
		"login_intro":        "No password: pick a name and a role.",
		"self_asserted":      "Identities here are self-asserted: anyone can sign in under any name, with either role, and nothing checks it. A real application verifies who the user is (a password, a passkey, an identity provider) before it creates a session.",
		"arrow":              "→",
		"login_bad":          "Enter a name (1 to 64 characters) and pick a role.",
		"signed_out_notice":  "You were signed out.",
		"expires_in":         "Session expires in",
		"expires_at":         "Expires at",
		"extend":             "Extend session",
		"extended":           "Session extended.",
		"extend_failed":      "Could not extend the session.",
		"update_name":        "Update my display name",
		"save":               "Save",
		"name_updated":       "Your display name was updated.",
		"name_bad":           "Enter a display name of 1 to 64 characters.",
		"session_details":    "Session details",
		"user":               "User",
		"user_id":            "User id",
		"created":            "Created",
		"expires":            "Expires",
		"last_activity":      "Last activity",
		"tokens_note":        "The cookie holds an encrypted token; this page never shows it, and page scripts cannot read it (HttpOnly).",
		"devices":            "Your devices",
		"this_device":        "this device",
		"device":             "Device",
		"last_seen":          "Last seen",
		"revoke":             "Sign out",
		"logout_everywhere":  "Log out everywhere",
		"stateless_note":     "Sessions are stateless: nothing is stored on the server, so there is no device list. Start the demo with SESSION_STORE=memory (or REDIS_URL) to list and revoke devices.",
		"admin_title":        "Administration",
		"admin_intro":        "Only sessions whose user has the admin role reach this page.",
		"forbidden_title":    "Not allowed",
		"forbidden_text":     "This page is for administrators. You are signed in with the user role.",
		"not_found_title":    "Not found",
		"not_found_text":     "There is no page at this address.",
		"back_home":          "Back to the home page",
		"store":              "Session store",
		"expiry":             "Session lifetime",
		"refresh_threshold":  "Refresh threshold",
		"locales":            "Locales",
		"language":           "Language",
		"dashboard_intro":    "This page needs a session. The countdown runs in the browser with the session client; extending the session asks the server for a fresh expiry.",
		"signed_out_elsewhr": "You were signed out in another tab.",
		"remember_me":        "Remember me on this device",
		"remembered":         "Remembered",
		"remembered_yes":     "yes: the cookie lasts until the session expires",
		"remembered_no":      "no: the browser forgets the cookie when it closes",
		"note":               "Note",
		"note_intro":         "A short note kept in this session's data, inside the encrypted cookie. Leave it empty to remove it.",
		"note_saved":         "Your note was saved.",
		"note_cleared":       "Your note was removed.",
		"note_bad":           "A note has at most 200 characters.",
		"signin_limit_note":  "Sign-ins are limited per network address (the address this server sees: behind a proxy, the proxy's): %d at once, then one every %s s.",
		"signin_limited":     "Too many sign-ins from your network address. Try again in %d s.",
	},
	"ar": {
		"app":                "عرض authsession التوضيحي",
		"home":               "الرئيسية",
		"dashboard":          "لوحة التحكم",
		"session":            "الجلسة",
		"admin":              "الإدارة",
		"sign_in":            "تسجيل الدخول",
		"sign_out":           "تسجيل الخروج",
		"name":               "الاسم",
		"role":               "الدور",
		"role_user":          "مستخدم",
		"role_admin":         "مسؤول",
		"welcome":            "مرحبًا،",
		"signed_in_as":       "تم تسجيل الدخول باسم",
		"home_intro":         "يحفظ هذا التطبيق جلستك في ملف تعريف ارتباط مشفّر. سجّل الدخول بأي اسم لتجربته.",
		"home_cta_in":        "انتقل إلى لوحة التحكم",
		"home_cta_out":       "سجّل الدخول للبدء",
		"login_intro":        "لا حاجة لكلمة مرور: اختر اسمًا ودورًا.",
		"self_asserted":      "الهويات هنا يعلنها المستخدم بنفسه: يستطيع أي شخص تسجيل الدخول بأي اسم وبأي من الدورين، ولا يتحقق أحد من ذلك. أما التطبيق الحقيقي فيتحقق من هوية المستخدم (بكلمة مرور أو مفتاح مرور أو مزوّد هوية) قبل إنشاء الجلسة.",
		"arrow":              "←",
		"login_bad":          "أدخل اسمًا (من 1 إلى 64 حرفًا) واختر دورًا.",
		"signed_out_notice":  "تم تسجيل خروجك.",
		"expires_in":         "تنتهي الجلسة خلال",
		"expires_at":         "تنتهي في",
		"extend":             "تمديد الجلسة",
		"extended":           "تم تمديد الجلسة.",
		"extend_failed":      "تعذّر تمديد الجلسة.",
		"update_name":        "تحديث اسمي المعروض",
		"save":               "حفظ",
		"name_updated":       "تم تحديث اسمك المعروض.",
		"name_bad":           "أدخل اسمًا معروضًا من 1 إلى 64 حرفًا.",
		"session_details":    "تفاصيل الجلسة",
		"user":               "المستخدم",
		"created":            "أُنشئت",
		"expires":            "تنتهي",
		"last_activity":      "آخر نشاط",
		"devices":            "أجهزتك",
		"this_device":        "هذا الجهاز",
		"logout_everywhere":  "تسجيل الخروج من كل الأجهزة",
		"admin_title":        "الإدارة",
		"forbidden_title":    "غير مسموح",
		"forbidden_text":     "هذه الصفحة للمسؤولين فقط.",
		"not_found_title":    "غير موجودة",
		"back_home":          "العودة إلى الصفحة الرئيسية",
		"language":           "اللغة",
		"signed_out_elsewhr": "تم تسجيل خروجك في علامة تبويب أخرى.",
		"dashboard_intro":    "تحتاج هذه الصفحة إلى جلسة. يعمل العدّ التنازلي في المتصفح، وتمديد الجلسة يطلب من الخادم موعد انتهاء جديدًا.",
		"user_id":            "معرّف المستخدم",
		"tokens_note":        "يحمل ملف تعريف الارتباط رمزًا مشفّرًا لا تعرضه هذه الصفحة ولا تستطيع نصوص الصفحة قراءته.",
		"stateless_note":     "الجلسات عديمة الحالة: لا يُحفظ شيء على الخادم، لذا لا توجد قائمة أجهزة. شغّل العرض مع SESSION_STORE=memory لعرض الأجهزة.",
		"device":             "الجهاز",
		"last_seen":          "آخر ظهور",
		"revoke":             "تسجيل الخروج",
		"admin_intro":        "لا تصل إلى هذه الصفحة إلا جلسات المستخدمين بدور المسؤول.",
		"not_found_text":     "لا توجد صفحة بهذا العنوان.",
		"store":              "مخزن الجلسات",
		"expiry":             "مدة الجلسة",
		"refresh_threshold":  "عتبة التحديث",
		"locales":            "اللغات",
		"remember_me":        "تذكّرني على هذا الجهاز",
		"remembered":         "التذكّر",
		"remembered_yes":     "نعم: يبقى ملف تعريف الارتباط حتى تنتهي الجلسة",
		"remembered_no":      "لا: ينسى المتصفح ملف تعريف الارتباط عند إغلاقه",
		"note":               "ملاحظة",
		"note_intro":         "ملاحظة قصيرة تُحفظ في بيانات هذه الجلسة داخل ملف تعريف الارتباط المشفّر. اتركها فارغة لحذفها.",
		"note_saved":         "تم حفظ ملاحظتك.",
		"note_cleared":       "تم حذف ملاحظتك.",
		"note_bad":           "الملاحظة 200 حرف على الأكثر.",
		"signin_limit_note":  "عدد محاولات تسجيل الدخول محدود لكل عنوان شبكة (العنوان الذي يراه هذا الخادم، وهو عنوان الوكيل إن وُجد): %d دفعة واحدة، ثم محاولة كل %s ث.",
		"signin_limited":     "محاولات تسجيل دخول كثيرة من عنوان شبكتك. حاول مجددًا بعد %d ث.",
	},
}
