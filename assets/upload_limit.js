/*
 * Dendrogram Explorer: say so when a file is over the upload limit.
 *
 * dcc.Upload drops a file larger than its max_size without firing any callback (Dash issue
 * #2638), and without max_size the browser would post the whole file as base64 only for Flask
 * to answer a bare 413 nobody sees. So the limit is checked here, before anything is read or
 * sent: the box around the upload (#upload-limit, components/page/data.py) carries the limit in
 * data-max-bytes and the sentence in data-message (components/web/security.py, the one source of
 * the wording); an oversized file puts "<name>: <sentence>" in the upload error alert, exactly
 * what the server says for a file it refuses. The current dataset and view stay as they are.
 *
 * Listeners are on the document in the capture phase, so they run before the upload's own
 * handlers and keep working when Dash re-renders the upload.
 */
(function () {
    "use strict";

    var BOX_ID = "upload-limit";
    var ALERT_ID = "upload-error";

    function limitOf(box) {
        var n = parseInt(box.getAttribute("data-max-bytes"), 10);
        return isFinite(n) && n > 0 ? n : null;
    }

    function check(files, box) {
        var limit = limitOf(box);
        if (!limit || !files || !files.length) {
            return false;
        }
        for (var i = 0; i < files.length; i++) {
            var f = files[i];
            if (f.size > limit) {
                var text = f.name + ": " + box.getAttribute("data-message");
                var dc = window.dash_clientside;
                if (dc && dc.set_props) {
                    dc.set_props(ALERT_ID, {children: text, is_open: true});
                }
                return true;
            }
        }
        return false;
    }

    function boxFor(target) {
        return target && target.closest ? target.closest("#" + BOX_ID) : null;
    }

    document.addEventListener("change", function (e) {
        var input = e.target;
        var box = boxFor(input);
        if (!box || !input || input.type !== "file") {
            return;
        }
        if (check(input.files, box)) {
            // Let the same file be chosen again later (a second "change" must fire).
            setTimeout(function () { input.value = ""; }, 0);
        }
    }, true);

    document.addEventListener("drop", function (e) {
        var box = boxFor(e.target);
        if (box && e.dataTransfer) {
            check(e.dataTransfer.files, box);
        }
    }, true);
})();
