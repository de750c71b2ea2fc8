// The chatbot page: after a question is answered, empty the field and keep the focus there.
// (A file of our own rather than an hx-on attribute: the pages' CSP allows no eval.)
document.addEventListener('htmx:afterRequest', function (event) {
  var form = event.detail && event.detail.elt;
  if (form && form.id === 'ask' && event.detail.successful) {
    var text = form.querySelector('#text');
    if (text) { text.value = ''; text.focus(); }
  }
});
