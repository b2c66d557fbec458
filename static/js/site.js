// Every page: the language list switches as soon as a language is picked.
document.documentElement.classList.add("js");
document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
