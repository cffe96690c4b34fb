// Filter the programme catalogue by grade and subject; the choice is kept in the address
// (?grade=7&subject=…) so a teacher can share it. Without this script every programme is listed.
(function () {
  "use strict";
  var form = document.getElementById("programme-filter");
  if (!form || !window.URLSearchParams) return;
  var grade = form.elements.grade, subject = form.elements.subject;
  var items = document.querySelectorAll(".programme-list > li");
  var count = document.getElementById("programme-count");
  var q = new URLSearchParams(location.search);
  if (q.get("grade")) grade.value = q.get("grade");
  if (q.get("subject")) subject.value = q.get("subject");
  function apply() {
    var shown = 0;
    Array.prototype.forEach.call(items, function (li) {
      var ok = (!grade.value || li.getAttribute("data-grades").indexOf(" " + grade.value + " ") >= 0) &&
        (!subject.value || li.getAttribute("data-subject") === subject.value);
      li.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = count.getAttribute(shown === 1 ? "data-one" : "data-many").replace("{n}", shown);
    var p = new URLSearchParams();
    if (grade.value) p.set("grade", grade.value);
    if (subject.value) p.set("subject", subject.value);
    var s = p.toString();
    if (history.replaceState) history.replaceState(null, "", location.pathname + (s ? "?" + s : ""));
  }
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  apply();
})();
